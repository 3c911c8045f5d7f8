"""The default contract: clause templates, general terms and a contract template, in Dutch and English.

Plain data. `contracts.seed.load_contract_templates` creates whatever is missing from it
(a data migration does so on install, `manage.py load_contract_templates` on an existing
install) and never overwrites a text that is already there: once loaded, these texts
belong to the freelancer, who edits them in the admin.

They are a start, not terms to copy blindly: the method warns against copy-pasting terms
you do not agree with. Every text uses only the placeholders of `contracts.placeholders`;
paragraphs are separated by blank lines and a paragraph whose lines all start with "- "
becomes a list. In the general terms, the first line of every paragraph is its heading.
"""

from __future__ import annotations

from inspect import cleandoc

# The order in which the clauses appear in the default contract.
CLAUSE_ORDER = [
    "agreements",
    "annex",
    "definitions",
    "cooperation",
    "phases",
    "risks",
    "beep",
    "rates",
    "payment",
    "liability",
    "disagreement",
]

GENERAL_TERMS_KEY = "general-terms"

# key -> category and, per language, the title and body.
CLAUSES: dict[str, dict] = {
    "agreements": {
        "category": "agreements",
        "nl": {
            "title": "Contractuele afspraken",
            "body": cleandoc(
                """
                Deze overeenkomst van opdracht wordt gesloten tussen:

                - {{ client.name }}{{ if client.address }}, {{ client.address }}{{ end }}{{ if client.kvk_number }}, KvK-nummer {{ client.kvk_number }}{{ end }}, hierna: de opdrachtgever{{ if decision_maker.name }}, vertegenwoordigd door {{ decision_maker.name }}{{ end }};
                - {{ freelancer.business_name }}{{ if freelancer.address }}, {{ freelancer.address }}{{ end }}{{ if freelancer.kvk_number }}, KvK-nummer {{ freelancer.kvk_number }}{{ end }}, hierna: de opdrachtnemer, vertegenwoordigd door {{ freelancer.name }}.

                De opdracht is het project {{ project.name }}. Het doel van het project, zoals de opdrachtgever het heeft omschreven: {{ project.goal }}

                De overeenkomst bestaat uit twee lagen. Bovenop liggen de specifieke afspraken in deze bijlage; daaronder liggen de algemene voorwaarden van de opdrachtnemer, die achteraan zijn opgenomen. Spreken ze elkaar tegen, dan gaat deze bijlage voor. Algemene voorwaarden of inkoopvoorwaarden van de opdrachtgever gelden niet, tenzij partijen dat uitdrukkelijk en schriftelijk afspreken.

                De opdrachtnemer voert de opdracht zelfstandig uit, naar beste kunnen en volgens de eisen van goed vakmanschap. Hij bepaalt zelf hoe en wanneer hij het werk doet, binnen de deadlines van deze overeenkomst. Er is geen sprake van een dienstverband.

                De opdrachtgever verklaart dat {{ decision_maker.name }} namens de opdrachtgever mag beslissen over scope, budget en acceptatie. Verandert dat, dan meldt de opdrachtgever dat direct schriftelijk.

                Afspraken die na het sluiten van deze overeenkomst worden gemaakt, gelden pas als ze schriftelijk zijn vastgelegd. Een e-mail geldt als schriftelijk, net als een beslissing die de opdrachtgever geeft via een persoonlijke link van de opdrachtnemer. Een mondelinge afspraak, bijvoorbeeld aan de telefoon, bevestigt de opdrachtnemer binnen twee werkdagen per e-mail; reageert de opdrachtgever niet binnen vijf werkdagen op die bevestiging, dan geldt zij als juist.

                De overeenkomst gaat in op het moment dat de opdrachtgever haar accepteert. Zij eindigt wanneer de laatste fase is geaccepteerd en betaald, of eerder volgens de algemene voorwaarden.
                """
            ),
        },
        "en": {
            "title": "Contractual agreements",
            "body": cleandoc(
                """
                This agreement for services is made between:

                - {{ client.name }}{{ if client.address }}, {{ client.address }}{{ end }}{{ if client.kvk_number }}, Chamber of Commerce (KvK) number {{ client.kvk_number }}{{ end }}, the client{{ if decision_maker.name }}, represented by {{ decision_maker.name }}{{ end }};
                - {{ freelancer.business_name }}{{ if freelancer.address }}, {{ freelancer.address }}{{ end }}{{ if freelancer.kvk_number }}, Chamber of Commerce (KvK) number {{ freelancer.kvk_number }}{{ end }}, the contractor, represented by {{ freelancer.name }}.

                The assignment is the project {{ project.name }}. The goal of the project, in the client's own words: {{ project.goal }}

                The agreement has two layers. On top are the specific agreements in this annex; beneath them are the contractor's general terms, included at the end. Where the two conflict, this annex prevails. The client's own general terms or purchasing conditions do not apply unless the parties expressly agree so in writing.

                The contractor carries out the assignment independently, to the best of their ability and with the care of a skilled professional. The contractor decides how and when to do the work, within the deadlines of this agreement. This is not an employment relationship.

                The client confirms that {{ decision_maker.name }} may decide on the client's behalf about scope, budget and acceptance. If that changes, the client says so in writing at once.

                Agreements made after this agreement is concluded apply only once they are recorded in writing. An email counts as writing, and so does a decision the client gives through a personal link sent by the contractor. The contractor confirms an oral agreement, for example one made by phone, by email within two working days; if the client does not respond to that confirmation within five working days, it stands as correct.

                The agreement takes effect when the client accepts it. It ends when the last phase has been accepted and paid for, or earlier under the general terms.
                """
            ),
        },
    },
    "annex": {
        "category": "annex",
        "nl": {
            "title": "De contractbijlage",
            "body": cleandoc(
                """
                Deze contractbijlage is het projectspecifieke deel van de overeenkomst. Zij legt vast wat voor dit project anders of preciezer is geregeld dan in de algemene voorwaarden: de fasen en hun deadlines, het risicobeheersplan, de tarieven en toeslagen, en de manier waarop partijen met nieuwe wensen omgaan.

                De bijlage is opgesteld voor {{ client.name }} en besproken met {{ decision_maker.name }}. Het is geen standaardtekst die ongelezen wordt overgenomen: wat hier staat, hebben beide partijen gelezen en zo bedoeld. Een afspraak waarmee een partij het niet eens is, hoort niet in deze bijlage; bespreek haar voordat je accepteert.

                Elke versie van de bijlage krijgt een nummer en een datum. De opdrachtnemer legt de versie die de opdrachtgever accepteert vast met een digitale vingerafdruk (SHA-256), zodat later altijd vast te stellen is welke tekst is geaccepteerd. Een geaccepteerde versie wordt nooit meer gewijzigd.

                Verandert er iets wezenlijks, zoals een extra fase, een andere eerste deadline of een nieuw tarief, dan stelt de opdrachtnemer een nieuwe versie van de bijlage op en legt hij die ter acceptatie voor. Tot de nieuwe versie is geaccepteerd, geldt de vorige.

                Kleinere wijzigingen in de inhoud van het werk lopen niet via een nieuwe bijlage, maar via het bakje en het piepsysteem.
                """
            ),
        },
        "en": {
            "title": "The annex",
            "body": cleandoc(
                """
                This annex is the project-specific part of the agreement. It records what is arranged differently or more precisely for this project than in the general terms: the phases and their deadlines, the risk management plan, the rates and surcharges, and how the parties handle new wishes.

                The annex was written for {{ client.name }} and discussed with {{ decision_maker.name }}. It is not boilerplate to be signed unread: both parties have read what it says and mean it. A term that either party does not agree with does not belong in this annex; discuss it before you accept.

                Every version of the annex has a number and a date. The contractor records the version the client accepts with a digital fingerprint (SHA-256), so that it can always be established later which text was accepted. An accepted version is never changed.

                When something material changes, such as an extra phase, a different first deadline or a new rate, the contractor draws up a new version of the annex and submits it for acceptance. Until the new version is accepted, the previous one applies.

                Smaller changes to the content of the work do not need a new annex: they go through the bucket and the beep system.
                """
            ),
        },
    },
    "definitions": {
        "category": "definitions",
        "nl": {
            "title": "Begrippen: informatie, input en inhuur",
            "body": cleandoc(
                """
                In deze overeenkomst betekenen de volgende woorden het volgende:

                - Beslisser: de persoon die namens de opdrachtgever beslist over scope, budget en acceptatie; in dit project {{ decision_maker.name }}.
                - Fase of mijlpaal: een afgebakend deel van het project dat apart wordt opgeleverd, geaccepteerd en gefactureerd.
                - Acceptatie: het vastgelegde ja van de opdrachtgever op een opgeleverde fase of op deze overeenkomst.
                - Bevinding: een wens, eis of opmerking die na het sluiten van de overeenkomst opkomt en niet in de afgesproken scope zit.
                - Het bakje: de lijst waarin alle bevindingen van het project worden verzameld.
                - Piep: de melding van de opdrachtnemer dat een verzoek de kosten verhoogt, met de vraag aan de opdrachtgever om te kiezen.
                - Werkdag: maandag tot en met vrijdag, behalve de Nederlandse nationale feestdagen.
                - Input: alles wat de opdrachtnemer van de opdrachtgever of van derden nodig heeft om het werk te doen, zoals teksten, beeld, huisstijl, toegang tot systemen, gegevens en beslissingen.

                Informatie en input komen van de opdrachtgever, tenzij de fasering of het risicobeheersplan noemt dat een derde ze levert; ook dan blijft de opdrachtgever degene die de derde aanstuurt. De opdrachtgever zorgt dat de input op tijd, volledig en in bruikbare vorm wordt aangeleverd, en dat hij mag worden gebruikt: de opdrachtgever heeft de rechten op de teksten, foto's, lettertypen en andere materialen die hij aanlevert.

                Bij de start van elke fase laat de opdrachtnemer schriftelijk weten welke input die fase nodig heeft en uiterlijk wanneer. De opdrachtnemer mag uitgaan van de juistheid en volledigheid van de informatie die de opdrachtgever verstrekt; de gevolgen van onjuiste of onvolledige informatie komen niet voor zijn rekening.

                Komt input te laat, dan meldt de opdrachtnemer dat schriftelijk. In die melding noemt hij de gevolgen voor de planning, en wat het kost als hij de input zelf laat maken of regelen. De deadline van de lopende fase schuift op met ten minste het aantal werkdagen dat de input te laat is.

                Is de input vijf (5) werkdagen na die melding nog steeds niet binnen, dan mag de opdrachtnemer een ander inhuren om de input te maken of te regelen, bijvoorbeeld een fotograaf, een tekstschrijver of een licentie op stockbeeld, op kosten van de opdrachtgever en binnen de kosten die in de melding stonden. Levert de opdrachtgever de input alsnog voordat de opdrachtnemer iemand heeft ingehuurd, dan gaat de inhuur niet door.
                """
            ),
        },
        "en": {
            "title": "Definitions: information, input and hiring in",
            "body": cleandoc(
                """
                In this agreement the following words have the following meaning:

                - Decision maker: the person who decides on the client's behalf about scope, budget and acceptance; in this project {{ decision_maker.name }}.
                - Phase or milestone: a defined part of the project that is delivered, accepted and invoiced on its own.
                - Acceptance: the client's recorded yes to a delivered phase or to this agreement.
                - Finding: a wish, demand or remark that comes up after this agreement is concluded and is not part of the agreed scope.
                - The bucket: the list in which all findings of the project are collected.
                - Beep: the contractor's notice that a request raises the cost, with the request to the client to choose.
                - Working day: Monday to Friday, except Dutch national public holidays.
                - Input: everything the contractor needs from the client or from third parties to do the work, such as texts, images, brand guidelines, access to systems, data and decisions.

                Information and input come from the client, unless the phase plan or the risk management plan names a third party who supplies them; even then the client is the one who directs that third party. The client makes sure that input is delivered on time, complete and in a usable form, and that it may be used: the client holds the rights to the texts, photos, fonts and other materials it supplies.

                At the start of every phase the contractor states in writing which input that phase needs and by when. The contractor may rely on the information the client provides being correct and complete; the consequences of incorrect or incomplete information are not at the contractor's expense.

                When input is late, the contractor reports this in writing. The notice states the consequences for the schedule, and what it would cost to have the input made or arranged by someone else. The deadline of the current phase moves by at least the number of working days the input is late.

                If the input has still not arrived five (5) working days after that notice, the contractor may hire someone in to make or arrange it, for example a photographer, a copywriter or a stock image licence, at the client's cost and within the cost stated in the notice. If the client delivers the input before the contractor has hired anyone, the hiring does not go ahead.
                """
            ),
        },
    },
    "cooperation": {
        "category": "cooperation",
        "nl": {
            "title": "Samenwerking",
            "body": cleandoc(
                """
                De opdrachtnemer werkt in drie rollen en zegt steeds in welke rol hij spreekt:

                - als contractmanager bewaakt hij de afspraken in deze overeenkomst;
                - als projectmanager organiseert en plant hij het werk en bewaakt hij de deadlines;
                - als ontwikkelaar voert hij het werk uit.

                Aan de kant van de opdrachtgever is {{ decision_maker.name }} ({{ decision_maker.email }}) de beslisser. De opdrachtgever kan daarnaast een vaste contactpersoon voor het dagelijkse werk en een contactpersoon voor IT aanwijzen. Over scope, budget en acceptatie beslist alleen de beslisser; afspraken met anderen gelden pas als de beslisser ze bevestigt.

                De opdrachtgever beantwoordt vragen van de opdrachtnemer binnen drie werkdagen. De opdrachtnemer beantwoordt vragen van de opdrachtgever binnen twee werkdagen. Ziet een van beiden een deadline in gevaar komen, dan meldt hij dat meteen, ook als de oorzaak bij hemzelf ligt.

                Aan het begin van elke fase bespreken partijen kort wat de fase oplevert, welke input nodig is en wie wat doet.

                De opdrachtnemer denkt mee met de opdrachtgever en met diens eigen klanten: voor wie doen we dit, en wat levert het op? Ziet hij een betere of goedkopere weg naar het doel, dan zegt hij dat. De opdrachtgever deelt de informatie over zijn klanten en bedrijfsdoelen die daarvoor nodig is.

                Beide partijen houden zich aan de afspraken, zijn eerlijk over wat wel en niet lukt, en spreken elkaar aan als het anders loopt dan afgesproken. Zakelijk, en met hart.
                """
            ),
        },
        "en": {
            "title": "Cooperation",
            "body": cleandoc(
                """
                The contractor works in three roles and always says in which role they speak:

                - as contract manager, looking after the agreements in this contract;
                - as project manager, organising and planning the work and watching the deadlines;
                - as developer, doing the work.

                On the client's side, {{ decision_maker.name }} ({{ decision_maker.email }}) is the decision maker. The client may also name a day-to-day contact and an IT contact. Only the decision maker decides on scope, budget and acceptance; arrangements made with anyone else apply once the decision maker confirms them.

                The client answers the contractor's questions within three working days. The contractor answers the client's questions within two working days. Whoever sees a deadline at risk says so at once, even when the cause lies with themselves.

                At the start of each phase the parties briefly discuss what the phase delivers, which input it needs and who does what.

                The contractor thinks along with the client and with the client's own customers: who is this for, and what does it bring them? If the contractor sees a better or cheaper way to the goal, they say so. The client shares the information about its customers and business goals that this requires.

                Both parties keep to what was agreed, are honest about what is and is not working, and speak up when things go differently than agreed. Businesslike, and with heart.
                """
            ),
        },
    },
    "phases": {
        "category": "phases",
        "nl": {
            "title": "Fasen, acceptatie en deadlines",
            "body": cleandoc(
                """
                Het project bestaat uit {{ project.phase_count }} fasen. Elke fase wordt apart opgeleverd, geaccepteerd en gefactureerd:

                {{ phases }}

                De deadline van fase 1 is {{ project.first_deadline }}. Dat is een harde deadline: de opdrachtnemer plant zijn werk zo dat hij hem haalt. Hij verschuift alleen als beide partijen dat schriftelijk afspreken, of als input te laat komt zoals beschreven in het artikel over begrippen.

                Een volgende fase heeft geen vaste datum, maar een termijn: haar deadline ligt het in de tabel genoemde aantal weken of werkdagen na de acceptatie van de vorige fase. Een fase begint pas als de vorige is geaccepteerd. Datums in de tabel die als verwacht zijn gemarkeerd, zijn een prognose en geen afspraak.

                Is een fase klaar, dan levert de opdrachtnemer haar op en stuurt hij de contactpersoon een persoonlijke link. Via die link accepteert de opdrachtgever de fase, of vraagt hij om aanpassingen.

                De opdrachtgever beoordeelt een opgeleverde fase binnen vijf werkdagen. Aanpassingen kan hij alleen vragen als de fase niet doet wat in haar scope is afgesproken; hij beschrijft dan concreet wat er ontbreekt of niet werkt. De opdrachtnemer herstelt dat zonder extra kosten en levert opnieuw op.

                Nieuwe wensen zijn geen reden om een fase niet te accepteren: die gaan in het bakje. Ook kleine onvolkomenheden die het gebruik niet hinderen, staan acceptatie niet in de weg; de opdrachtnemer herstelt ze in de volgende fase of binnen de garantie.

                Heeft de opdrachtgever tien werkdagen na de oplevering niet gereageerd, ook niet na een herinnering van de opdrachtnemer, dan geldt de fase als geaccepteerd. Dat geldt ook als de opdrachtgever het resultaat in gebruik neemt, bijvoorbeeld door een website live te zetten.
                """
            ),
        },
        "en": {
            "title": "Phases, acceptance and deadlines",
            "body": cleandoc(
                """
                The project consists of {{ project.phase_count }} phases. Each phase is delivered, accepted and invoiced on its own:

                {{ phases }}

                The deadline of phase 1 is {{ project.first_deadline }}. It is a hard deadline: the contractor plans the work so as to meet it. It moves only when both parties agree so in writing, or when input arrives late as described in the clause on definitions.

                A later phase has no fixed date but a term: its deadline falls the number of weeks or working days shown in the table after acceptance of the previous phase. A phase starts only once the previous one has been accepted. Dates marked as projected in the table are a forecast, not a promise.

                When a phase is ready, the contractor delivers it and sends the contact a personal link. Through that link the client accepts the phase or asks for changes.

                The client reviews a delivered phase within five working days. The client may ask for changes only where the phase does not do what was agreed in its scope, and then describes concretely what is missing or does not work. The contractor fixes that at no extra cost and delivers again.

                New wishes are no reason to withhold acceptance: they go into the bucket. Minor imperfections that do not hinder use do not stand in the way of acceptance either; the contractor fixes them in the next phase or under the warranty.

                If the client has not responded ten working days after delivery, not even after a reminder from the contractor, the phase counts as accepted. The same applies when the client puts the result into use, for example by taking a website live.
                """
            ),
        },
    },
    "risks": {
        "category": "risks",
        "nl": {
            "title": "Risicobeheersplan",
            "body": cleandoc(
                """
                Sommige risico's kan de opdrachtnemer niet zelf beheersen, bijvoorbeeld omdat een ander iets moet leveren. Partijen hebben die risico's vooraf benoemd, elk met wie het risico draagt en wat er gebeurt als het zich voordoet:

                {{ risks }}

                Dreigt een risico uit dit plan werkelijkheid te worden, dan meldt de opdrachtnemer dat zodra hij het ziet, en voert hij het afgesproken plan uit. De opdrachtgever hoeft dan niet opnieuw te beslissen: de beslissing staat hier al. Kosten die het plan noemt, zijn voor de partij die in het plan het risico draagt, tenzij het plan iets anders zegt.

                Ontdekt een partij een nieuw risico, dan meldt zij dat aan de ander. De opdrachtnemer stelt een maatregel voor; na akkoord van de opdrachtgever komt het risico met die maatregel in een nieuwe versie van deze bijlage.

                Risico's die de opdrachtnemer wel zelf kan beheersen, zoals zijn eigen beschikbaarheid, back-ups van het werk in uitvoering en de kwaliteit van zijn werk, staan niet in dit plan: die zijn gewoon zijn verantwoordelijkheid. Valt hij langer dan vijf werkdagen uit, dan meldt hij dat en bespreekt hij met de opdrachtgever hoe de deadline toch wordt gehaald of hoe ver zij opschuift.
                """
            ),
        },
        "en": {
            "title": "Risk management plan",
            "body": cleandoc(
                """
                Some risks are beyond the contractor's control, for example because someone else has to deliver something. The parties have named those risks in advance, each with who bears it and what happens if it occurs:

                {{ risks }}

                When a risk in this plan threatens to materialise, the contractor reports it as soon as they see it and carries out the agreed plan. The client does not need to decide again: the decision is already recorded here. Costs named in the plan are borne by the party that bears the risk in the plan, unless the plan says otherwise.

                When either party discovers a new risk, it tells the other. The contractor proposes a measure; once the client agrees, the risk and its measure are added in a new version of this annex.

                Risks the contractor can control, such as their own availability, backups of work in progress and the quality of their work, are not in this plan: they are simply the contractor's responsibility. If the contractor is unable to work for more than five working days, they report it and agree with the client how the deadline will still be met or how far it moves.
                """
            ),
        },
    },
    "beep": {
        "category": "beep",
        "nl": {
            "title": "Het piepsysteem en het bakje",
            "body": cleandoc(
                """
                Nieuwe ideeën, wensen en eisen zijn welkom, maar ze mogen deadlines en budget niet ongemerkt laten opschuiven. Daarom werken partijen met een bakje en een piepsysteem.

                Het bakje. Elke wens of eis die na het sluiten van de overeenkomst opkomt, is een bevinding. Bevindingen gaan in het bakje, niet meteen in het werk. De opdrachtgever kan op elk moment bevindingen aan het bakje toevoegen, via zijn projectpagina of per e-mail. De opdrachtnemer beoordeelt elke bevinding binnen vijf werkdagen: valt zij binnen de afgesproken scope, is het een fout die hij moet herstellen, of is het extra werk? Bij extra werk noemt hij een schatting in uren en het bedrag.

                De piep. Zodra een verzoek van de opdrachtgever de kosten verhoogt of een deadline in gevaar brengt, piept de opdrachtnemer: hij meldt dat schriftelijk, voordat hij eraan begint, met de schatting en de gevolgen voor de planning. De opdrachtgever kiest dan een van drie mogelijkheden:

                - Stoppen: de wens wordt niet uitgevoerd, of pas in een later project. Prijs en planning blijven gelijk.
                - Meer betalen: de wens wordt uitgevoerd tegen het uurtarief van {{ hourly_rate }} exclusief btw, of tegen de vaste prijs die in de piep staat. De opdrachtnemer zegt erbij of en hoeveel een deadline opschuift.
                - Ruilen: de wens wordt uitgevoerd in plaats van iets uit de afgesproken scope dat nog niet is gebouwd en ongeveer even groot is. De geschatte uren mogen ten hoogste {{ swap_tolerance }} procent verschillen; prijs en deadline blijven gelijk.

                Zolang de opdrachtgever niet heeft gekozen, begint de opdrachtnemer niet aan het extra werk; het werk aan de afgesproken scope gaat intussen gewoon door. Extra werk waarvoor de opdrachtnemer niet heeft gepiept, brengt hij niet in rekening.

                Heeft de opdrachtnemer zich misrekend, bijvoorbeeld omdat werk dat hij op één dag had geschat vier dagen kost, dan is dat zijn eigen risico en zijn eigen kosten. Daarvoor piept hij niet. De piep is alleen bedoeld voor wat de opdrachtgever vraagt bovenop de afspraken, en voor wat door de opdrachtgever of een derde anders loopt dan afgesproken.
                """
            ),
        },
        "en": {
            "title": "The beep system and the bucket",
            "body": cleandoc(
                """
                New ideas, wishes and demands are welcome, but they must not move deadlines and budget unnoticed. That is why the parties work with a bucket and a beep system.

                The bucket. Every wish or demand that comes up after this agreement is concluded is a finding. Findings go into the bucket, not straight into the work. The client can add findings to the bucket at any time, on the project page or by email. The contractor assesses every finding within five working days: is it within the agreed scope, is it a defect the contractor must fix, or is it extra work? For extra work the contractor gives an estimate in hours and the amount.

                The beep. As soon as a request from the client raises the cost or puts a deadline at risk, the contractor beeps: they report it in writing, before starting on it, with the estimate and the consequences for the schedule. The client then chooses one of three options:

                - Stop: the wish is not carried out, or only in a later project. Price and schedule stay the same.
                - Pay more: the wish is carried out at the hourly rate of {{ hourly_rate }} excluding VAT, or at the fixed price stated in the beep. The contractor says whether and by how much a deadline moves.
                - Swap: the wish is carried out instead of something in the agreed scope that has not been built yet and is of about the same size. The estimated hours may differ by at most {{ swap_tolerance }} percent; price and deadline stay the same.

                Until the client has chosen, the contractor does not start on the extra work; work on the agreed scope continues meanwhile. Extra work the contractor did not beep about is not charged.

                When the contractor misjudged the work, for example when a job estimated at one day takes four, that is the contractor's own risk and own cost. There is no beep for that. The beep is only for what the client asks on top of the agreements, and for what the client or a third party does differently than agreed.
                """
            ),
        },
    },
    "rates": {
        "category": "rates",
        "nl": {
            "title": "Tarieven en toeslagen",
            "body": cleandoc(
                """
                Een fase met een vaste prijs wordt gefactureerd tegen die prijs, hoeveel uren de opdrachtnemer er ook aan besteedt. Voor werk op basis van nacalculatie en voor extra werk uit het bakje geldt het uurtarief. Alle bedragen zijn exclusief btw.

                De afgesproken uurtarieven:

                {{ rates }}

                Het uurtarief voor dit project is {{ hourly_rate }} exclusief btw. De opdrachtnemer mag zijn tarieven eenmaal per kalenderjaar aanpassen, bijvoorbeeld omdat hij meer ervaring en kennis heeft opgedaan. Hij kondigt een nieuw tarief ten minste twee maanden vooraf schriftelijk aan, met de reden. Een nieuw tarief geldt niet voor fasen met een vaste prijs die al zijn afgesproken, en niet voor extra werk waarvoor de opdrachtgever al heeft gekozen. Vindt de opdrachtgever de verhoging onredelijk, dan mag hij de overeenkomst beëindigen voor de fasen die nog niet zijn begonnen.

                Werk dat de opdrachtgever vraagt buiten de normale werktijden kost meer. Deze toeslagen zijn vooraf afgesproken:

                {{ surcharges }}

                De factor in de tabel wordt vermenigvuldigd met het uurtarief: 2 betekent het dubbele tarief. Een spoedklus op kerstavond kost dus het dubbele. Gelden er op één moment meerdere toeslagen, bijvoorbeeld op een avond in het weekend, dan telt alleen de hoogste toeslag. Toeslagen worden niet bij elkaar opgeteld of met elkaar vermenigvuldigd.

                Een toeslag geldt alleen als de opdrachtgever het werk op dat moment vraagt, of als het door een spoedverzoek van de opdrachtgever op dat moment moet gebeuren. Kiest de opdrachtnemer er zelf voor om 's avonds of in het weekend te werken, dan betaalt de opdrachtgever geen toeslag. Voordat de opdrachtnemer aan werk met een toeslag begint, meldt hij dat, net als bij een piep.
                """
            ),
        },
        "en": {
            "title": "Rates and surcharges",
            "body": cleandoc(
                """
                A phase with a fixed price is invoiced at that price, however many hours the contractor spends on it. Work on a time-and-materials basis and extra work from the bucket are charged at the hourly rate. All amounts exclude VAT.

                The agreed hourly rates:

                {{ rates }}

                The hourly rate for this project is {{ hourly_rate }} excluding VAT. The contractor may adjust their rates once per calendar year, for example because they have gained experience and knowledge. The contractor announces a new rate in writing at least two months in advance, with the reason. A new rate does not apply to fixed-price phases already agreed, nor to extra work the client has already chosen to pay for. If the client finds the increase unreasonable, the client may end the agreement for the phases that have not started yet.

                Work the client asks for outside normal working hours costs more. These surcharges are agreed in advance:

                {{ surcharges }}

                The multiplier in the table applies to the hourly rate: 2 means double the rate. An emergency call on Christmas Eve therefore costs double. When several surcharges apply at the same moment, for example on a weekend evening, only the highest one counts. Surcharges do not stack: they are never added up or multiplied together.

                A surcharge applies only when the client asks for the work at that moment, or when an urgent request from the client makes it necessary then. If the contractor chooses to work in the evening or at the weekend, the client pays no surcharge. Before starting work that carries a surcharge, the contractor says so, just as with a beep.
                """
            ),
        },
    },
    "payment": {
        "category": "payment",
        "nl": {
            "title": "Betaling",
            "body": cleandoc(
                """
                De waarde van een dienst daalt zodra hij is geleverd. Daarom factureert de opdrachtnemer bij de oplevering en acceptatie, en niet maanden later:

                - een fase met een vaste prijs bij haar acceptatie, of op het moment dat zij als geaccepteerd geldt;
                - werk op basis van nacalculatie en extra werk uit het bakje bij de oplevering van dat werk, en ten minste eenmaal per maand;
                - kosten van inhuur op kosten van de opdrachtgever zodra die kosten zijn gemaakt.

                {{ if project.deposit }}
                Bij de acceptatie van deze overeenkomst factureert de opdrachtnemer een aanbetaling van {{ project.deposit }}. De aanbetaling wordt verrekend met de eindfactuur.

                De opdrachtgever betaalt elke factuur binnen {{ payment_term }} dagen na de factuurdatum op rekening {{ freelancer.iban }} ten name van {{ freelancer.business_name }}, onder vermelding van het factuurnummer. Heeft de opdrachtgever bezwaar tegen een factuur, dan meldt hij dat binnen die termijn schriftelijk en met redenen. Het deel waarover geen verschil van mening bestaat, betaalt hij op tijd.

                Zolang een factuur na de betaaltermijn niet is betaald, begint de opdrachtnemer niet aan nieuw werk voor de opdrachtgever, ook niet aan de volgende fase. Het principe is eenvoudig: "Ik zou wel willen, maar ik kan niet: zo werk ik niet." De deadline van het werk dat daardoor niet kan beginnen, schuift op met het aantal werkdagen dat de betaling te laat is. Dit is geen straf, maar de afspraak; de opdrachtnemer meldt het vooraf.

                {{ if client.business }}
                Na de vervaldag stuurt de opdrachtnemer eerst een herinnering. Betaalt de opdrachtgever niet op tijd, dan is hij zonder verdere ingebrekestelling in verzuim en is hij vanaf de vervaldag de wettelijke handelsrente verschuldigd (artikel 6:119a Burgerlijk Wetboek). Moet de opdrachtnemer de vordering laten incasseren, dan zijn ook de buitengerechtelijke incassokosten verschuldigd volgens de wettelijke staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40.

                {{ if client.consumer }}
                Na de vervaldag stuurt de opdrachtnemer eerst een kosteloze aanmaning, de 14-dagenbrief (artikel 6:96 lid 6 Burgerlijk Wetboek). Daarin krijgt de opdrachtgever veertien (14) dagen om alsnog te betalen, te rekenen vanaf de dag na ontvangst van de aanmaning, en staat welk bedrag aan buitengerechtelijke incassokosten hij verschuldigd wordt als hij niet binnen die termijn betaalt. Alleen als de opdrachtgever ook binnen die veertien dagen niet betaalt, zijn die incassokosten verschuldigd, berekend volgens de staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40. Is de opdrachtgever in verzuim, dan is hij over het openstaande bedrag de wettelijke rente verschuldigd (artikel 6:119 Burgerlijk Wetboek).
                """
            ),
        },
        "en": {
            "title": "Payment",
            "body": cleandoc(
                """
                The value of a service falls once it has been delivered. That is why the contractor invoices at delivery and acceptance, not months later:

                - a fixed-price phase at its acceptance, or when it counts as accepted;
                - time-and-materials work and extra work from the bucket at delivery of that work, and at least once a month;
                - the cost of hiring in at the client's cost as soon as that cost has been incurred.

                {{ if project.deposit }}
                On acceptance of this agreement the contractor invoices a deposit of {{ project.deposit }}. The deposit is deducted from the final invoice.

                The client pays every invoice within {{ payment_term }} days of the invoice date into account {{ freelancer.iban }} in the name of {{ freelancer.business_name }}, quoting the invoice number. If the client disputes an invoice, it says so in writing, with reasons, within that term. The undisputed part is paid on time.

                As long as an invoice remains unpaid after its payment term, the contractor does not start new work for the client, including the next phase. The principle is simple: "I would, but I can't: that's not how I work." The deadline of the work that cannot start moves by the number of working days the payment is late. This is not a penalty but the agreement; the contractor announces it in advance.

                {{ if client.business }}
                After the due date the contractor first sends a reminder. If the client does not pay on time, the client is in default without further notice and owes the statutory commercial interest from the due date (article 6:119a of the Dutch Civil Code). If the contractor has to have the claim collected, the client also owes the extrajudicial collection costs according to the statutory scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40.

                {{ if client.consumer }}
                After the due date the contractor first sends a free reminder, the 14-day letter (article 6:96(6) of the Dutch Civil Code). It gives the client fourteen (14) days to pay, counted from the day after the client receives it, and states the amount of extrajudicial collection costs the client will owe if the client does not pay within that term. Only if the client has not paid within those fourteen days are those collection costs owed, calculated according to the scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40. Once the client is in default, the client owes the statutory interest on the amount outstanding (article 6:119 of the Dutch Civil Code).
                """
            ),
        },
    },
    "liability": {
        "category": "liability",
        "nl": {
            "title": "Aansprakelijkheid, materieel en immaterieel",
            "body": cleandoc(
                """
                Elke partij is aansprakelijk voor schade die zij de ander toebrengt door een tekortkoming in de nakoming van deze overeenkomst, binnen de grenzen van dit artikel. Dat geldt pas nadat de andere partij schriftelijk in gebreke is gesteld met een redelijke termijn om de tekortkoming te herstellen, en zij daarna voortduurt.

                Materiële schade. De aansprakelijkheid van de opdrachtnemer is beperkt tot directe schade: redelijke kosten om de oorzaak en omvang van de schade vast te stellen, om het gebrek te herstellen en om verdere schade te voorkomen of te beperken. Per gebeurtenis is de aansprakelijkheid beperkt tot het bedrag dat de opdrachtgever voor de betreffende fase heeft betaald of moet betalen, en voor de hele overeenkomst tot wat in de twaalf maanden vóór de gebeurtenis aan de opdrachtnemer is betaald, met een maximum van € 25.000. Keert de beroepsaansprakelijkheidsverzekering van de opdrachtnemer in een geval meer uit, dan geldt dat hogere bedrag.

                Indirecte schade, zoals gederfde winst, gemiste omzet, schade door bedrijfsstilstand en verloren of verminkte gegevens, wordt niet vergoed. De opdrachtgever zorgt zelf voor goede back-ups van zijn gegevens en systemen; de opdrachtnemer maakt back-ups van het werk in uitvoering.

                Immateriële schade, zoals reputatieschade of schade aan de goede naam, wordt niet vergoed, behalve voor zover de wet vergoeding dwingend voorschrijft.

                Deze beperkingen gelden niet bij opzet of bewuste roekeloosheid van een partij of van haar leidinggevenden, en niet bij dood of letsel.

                De opdrachtgever vrijwaart de opdrachtnemer tegen aanspraken van derden over materialen die de opdrachtgever heeft aangeleverd, zoals teksten, foto's en lettertypen waarop rechten van anderen rusten. De opdrachtnemer vrijwaart de opdrachtgever tegen aanspraken van derden dat zijn eigen werk inbreuk maakt op hun rechten, tenzij die inbreuk voortkomt uit materialen of aanwijzingen van de opdrachtgever.

                Voor de aansprakelijkheid van de opdrachtgever jegens de opdrachtnemer gelden dezelfde beperkingen, behalve voor de betaling van facturen en van kosten die in deze overeenkomst voor rekening van de opdrachtgever komen. Een aanspraak op schadevergoeding vervalt als zij niet binnen twaalf maanden schriftelijk is gemeld nadat de benadeelde partij de schade kende of redelijkerwijs had moeten kennen.
                """
            ),
        },
        "en": {
            "title": "Liability, material and immaterial",
            "body": cleandoc(
                """
                Each party is liable for damage it causes the other by failing to perform this agreement, within the limits of this clause. This applies only after the other party has given notice of default in writing, with a reasonable period to remedy the failure, and the failure continues.

                Material damage. The contractor's liability is limited to direct damage: reasonable costs of establishing the cause and extent of the damage, of remedying the defect and of preventing or limiting further damage. Per event, liability is limited to the amount the client has paid or must pay for the phase concerned, and for the whole agreement to the amount paid to the contractor in the twelve months before the event, with a maximum of € 25,000. If the contractor's professional liability insurance pays out more in a given case, that higher amount applies.

                Indirect damage, such as lost profit, lost revenue, damage from business interruption and lost or corrupted data, is not compensated. The client keeps proper backups of its own data and systems; the contractor keeps backups of work in progress.

                Immaterial damage, such as damage to reputation or good name, is not compensated, except to the extent that the law mandatorily requires it.

                These limitations do not apply in case of intent or deliberate recklessness of a party or its management, nor to death or personal injury.

                The client indemnifies the contractor against third-party claims concerning materials the client supplied, such as texts, photos and fonts in which others hold rights. The contractor indemnifies the client against third-party claims that the contractor's own work infringes their rights, unless the infringement results from the client's materials or instructions.

                The same limitations apply to the client's liability towards the contractor, except for paying invoices and costs that this agreement puts at the client's expense. A claim for damages lapses unless it is reported in writing within twelve months after the injured party knew or should reasonably have known of the damage.
                """
            ),
        },
    },
    "disagreement": {
        "category": "disagreement",
        "nl": {
            "title": "Stappen bij onenigheid",
            "body": cleandoc(
                """
                Verschil van mening hoort bij samenwerken. Partijen lossen het zo dicht mogelijk bij het werk op, en zo snel mogelijk. Daarvoor nemen zij de volgende stappen, in deze volgorde:

                - Stap 1, praten: wie het ergens niet mee eens is, zegt dat schriftelijk en concreet tegen de ander. Binnen vijf werkdagen spreken de contactpersonen elkaar, bij voorkeur in persoon of via video, en leggen zij de uitkomst vast.
                - Stap 2, de beslisser: lukt het zo niet, dan bespreken {{ decision_maker.name }} namens de opdrachtgever en {{ freelancer.name }} namens de opdrachtnemer het geschil binnen tien werkdagen. Zij zoeken een oplossing die voor beide partijen werkt en leggen die vast, zo nodig in een nieuwe versie van deze bijlage.
                - Stap 3, mediation: komen partijen er samen niet uit, dan schakelen zij een onafhankelijke mediator in die is ingeschreven in het register van de Mediatorsfederatie Nederland. Partijen kiezen de mediator samen en delen diens kosten gelijk; ieder betaalt zijn eigen adviseurs.
                - Stap 4, de rechter: leidt mediation niet binnen zestig dagen na de eerste bijeenkomst tot een oplossing, of werkt een partij er niet aan mee, dan mag elke partij het geschil voorleggen aan de bevoegde rechter van de rechtbank in het arrondissement waar de opdrachtnemer is gevestigd.

                Deze stappen staan niet in de weg aan een spoedeisende voorziening in kort geding, of aan de incasso van een factuur waartegen de opdrachtgever geen bezwaar heeft gemaakt.

                Zolang een geschil loopt, gaat het werk aan onbetwiste onderdelen door, en betaalt de opdrachtgever de onbetwiste delen van facturen op tijd.

                Op deze overeenkomst is Nederlands recht van toepassing.
                """
            ),
        },
        "en": {
            "title": "Steps when we disagree",
            "body": cleandoc(
                """
                Disagreement is part of working together. The parties resolve it as close to the work as possible, and as quickly as possible. To that end they take the following steps, in this order:

                - Step 1, talk: whoever disagrees with something tells the other in writing and in concrete terms. Within five working days the contacts meet, preferably in person or by video, and record the outcome.
                - Step 2, the decision maker: if that does not settle it, {{ decision_maker.name }} for the client and {{ freelancer.name }} for the contractor discuss the dispute within ten working days. They look for a solution that works for both parties and record it, if needed in a new version of this annex.
                - Step 3, mediation: if the parties cannot settle it together, they engage an independent mediator registered with the Dutch Mediators Federation (Mediatorsfederatie Nederland). The parties choose the mediator together and share the mediator's costs equally; each pays its own advisers.
                - Step 4, court: if mediation does not lead to a solution within sixty days of the first meeting, or a party does not take part, either party may submit the dispute to the competent court in the district where the contractor is established.

                These steps do not prevent either party from seeking urgent interim relief (kort geding), nor the collection of an invoice the client has not disputed.

                While a dispute is ongoing, work on undisputed parts continues and the client pays the undisputed parts of invoices on time.

                This agreement is governed by Dutch law.
                """
            ),
        },
    },
}

GENERAL_TERMS: dict[str, dict] = {
    GENERAL_TERMS_KEY: {
        "nl": {
            "title": "Algemene voorwaarden",
            "body": cleandoc(
                """
                Artikel 1. Toepasselijkheid
                1.1 Deze algemene voorwaarden gelden voor elke offerte, opdracht en overeenkomst van {{ freelancer.business_name }} (de opdrachtnemer){{ if freelancer.kvk_number }}, ingeschreven bij de KvK onder nummer {{ freelancer.kvk_number }}{{ end }}.
                1.2 De specifieke afspraken in de contractbijlage gaan voor deze voorwaarden. Afwijkingen gelden alleen als ze schriftelijk zijn overeengekomen.
                1.3 Is een bepaling ongeldig, dan blijven de andere gelden. Partijen vervangen de ongeldige bepaling door een geldige die het doel ervan zo dicht mogelijk benadert.

                Artikel 2. Offertes en totstandkoming
                2.1 Een offerte is dertig dagen geldig, tenzij erin een andere termijn staat.
                2.2 De overeenkomst komt tot stand doordat de opdrachtgever de contractbijlage accepteert, op papier of via een persoonlijke link. Begint de opdrachtnemer op verzoek van de opdrachtgever al eerder met het werk, dan gelden deze voorwaarden ook voor dat werk.

                Artikel 3. Uitvoering
                3.1 De opdrachtnemer voert de opdracht zorgvuldig en naar beste kunnen uit. Hij heeft een inspanningsverplichting, tenzij in de contractbijlage een resultaat uitdrukkelijk is toegezegd.
                3.2 De opdrachtnemer mag na overleg met de opdrachtgever onderdelen van het werk laten uitvoeren door anderen. Hij blijft dan verantwoordelijk voor het geheel.
                3.3 De opdrachtnemer gebruikt gangbare, onderhouden software en bibliotheken. Open-sourcecomponenten blijven onder hun eigen licentie vallen; de opdrachtnemer kiest componenten waarvan de licentie het beoogde gebruik toestaat.

                Artikel 4. Medewerking van de opdrachtgever
                4.1 De opdrachtgever geeft de opdrachtnemer tijdig alle informatie, input, toegang en beslissingen die voor de opdracht nodig zijn, zoals beschreven in de contractbijlage.
                4.2 De opdrachtgever is verantwoordelijk voor de inhoud die hij zelf op een website of in een systeem plaatst, en voor het beheer van de accounts en wachtwoorden die hij van de opdrachtnemer ontvangt.

                Artikel 5. Termijnen
                5.1 De harde deadline van de eerste fase en de termijnen van latere fasen staan in de contractbijlage. Andere termijnen zijn streeftermijnen.
                5.2 Wordt een deadline niet gehaald door een oorzaak die bij de opdrachtnemer ligt, dan meldt hij dat zo vroeg mogelijk en stelt de opdrachtgever hem schriftelijk een redelijke nieuwe termijn voordat hij verdere rechten kan uitoefenen.

                Artikel 6. Intellectuele eigendom
                6.1 Zodra de opdrachtgever alle facturen voor een fase heeft betaald, gaan de auteursrechten op het werk dat speciaal voor de opdrachtgever is gemaakt in die fase over op de opdrachtgever. Deze voorwaarden gelden daarvoor als akte van overdracht.
                6.2 De opdrachtnemer blijft eigenaar van zijn algemene kennis, werkwijzen, hulpmiddelen en herbruikbare code die hij niet speciaal voor de opdrachtgever heeft gemaakt. De opdrachtgever krijgt daarop een eeuwigdurend, niet-exclusief gebruiksrecht voor zover hij dat nodig heeft om het werk te gebruiken, te beheren en te laten aanpassen.
                6.3 De opdrachtnemer mag het werk noemen en tonen in zijn portfolio, tenzij de opdrachtgever daar schriftelijk bezwaar tegen maakt of het werk vertrouwelijk is.

                Artikel 7. Geheimhouding en persoonsgegevens
                7.1 Beide partijen houden vertrouwelijke informatie van de ander geheim, ook na het einde van de overeenkomst. Informatie is vertrouwelijk als dat is gezegd of als dat uit de aard van de informatie volgt.
                7.2 Verwerkt de opdrachtnemer persoonsgegevens voor de opdrachtgever, bijvoorbeeld van klanten in een webwinkel, dan sluiten partijen een verwerkersovereenkomst volgens de Algemene verordening gegevensbescherming. De opdrachtnemer verwerkt die gegevens alleen voor de opdracht en beveiligt ze passend.

                Artikel 8. Garantie
                8.1 Fouten in het opgeleverde werk die de opdrachtgever binnen dertig dagen na de acceptatie van een fase meldt, herstelt de opdrachtnemer zonder kosten. Een fout is een afwijking van wat in de scope van die fase is afgesproken.
                8.2 De garantie vervalt voor onderdelen die de opdrachtgever of een derde zonder overleg heeft gewijzigd. Hosting, onderhoud, updates en beveiligingsupdates na de oplevering vallen niet onder de opdracht, tenzij partijen daarvoor iets afspreken.

                Artikel 9. Overmacht
                9.1 Een partij is niet aansprakelijk voor een tekortkoming door overmacht: een oorzaak buiten haar macht die zij redelijkerwijs niet kon voorzien, zoals ernstige ziekte, een storing bij een hosting- of netwerkleverancier of een overheidsmaatregel.
                9.2 Duurt de overmacht langer dan zestig dagen, dan mag elke partij de overeenkomst schriftelijk beëindigen. Wat al is geleverd, wordt naar verhouding betaald.

                Artikel 10. Opschorting en beëindiging
                10.1 De opdrachtnemer mag zijn werk opschorten zolang een opeisbare factuur niet is betaald, zoals beschreven in de contractbijlage.
                10.2 De opdrachtgever mag de overeenkomst op elk moment schriftelijk opzeggen. Hij betaalt dan de geaccepteerde fasen, het werk dat al aan de lopende fase is gedaan tegen het uurtarief tot ten hoogste de prijs van die fase, en kosten die de opdrachtnemer al onherroepelijk heeft gemaakt.
                10.3 De opdrachtnemer mag de overeenkomst alleen opzeggen om een gewichtige reden, zoals herhaalde niet-betaling of een onwerkbare samenwerking nadat de stappen bij onenigheid zijn doorlopen. Hij levert het werk tot dan toe op, zodat een ander het kan voortzetten.
                10.4 Elke partij mag de overeenkomst met onmiddellijke ingang beëindigen als de ander failliet gaat, surseance van betaling krijgt of zijn bedrijf beëindigt.

                Artikel 11. Toepasselijk recht
                11.1 Op deze voorwaarden en op elke overeenkomst met de opdrachtnemer is Nederlands recht van toepassing. Geschillen worden behandeld volgens de stappen bij onenigheid in de contractbijlage.
                """
            ),
        },
        "en": {
            "title": "General terms and conditions",
            "body": cleandoc(
                """
                Article 1. Scope
                1.1 These general terms apply to every quotation, assignment and agreement of {{ freelancer.business_name }} (the contractor){{ if freelancer.kvk_number }}, registered with the Dutch Chamber of Commerce (KvK) under number {{ freelancer.kvk_number }}{{ end }}.
                1.2 The specific agreements in the annex prevail over these terms. Deviations apply only if agreed in writing.
                1.3 If a provision is invalid, the others remain in force. The parties replace the invalid provision with a valid one that comes as close as possible to its purpose.

                Article 2. Quotations and formation
                2.1 A quotation is valid for thirty days, unless it states another term.
                2.2 The agreement is formed when the client accepts the annex, on paper or through a personal link. If the contractor starts work earlier at the client's request, these terms apply to that work too.

                Article 3. Performance
                3.1 The contractor performs the assignment with care and to the best of their ability. It is an obligation of effort, unless the annex expressly promises a specific result.
                3.2 After consulting the client, the contractor may have parts of the work done by others. The contractor remains responsible for the whole.
                3.3 The contractor uses common, maintained software and libraries. Open-source components remain under their own licences; the contractor chooses components whose licences permit the intended use.

                Article 4. The client's cooperation
                4.1 The client gives the contractor, in good time, all information, input, access and decisions the assignment needs, as described in the annex.
                4.2 The client is responsible for the content it places on a website or in a system itself, and for managing the accounts and passwords it receives from the contractor.

                Article 5. Deadlines
                5.1 The hard deadline of the first phase and the terms of later phases are set out in the annex. Other dates are targets.
                5.2 If a deadline is missed for a reason on the contractor's side, the contractor reports it as early as possible, and the client sets a reasonable new deadline in writing before exercising any further rights.

                Article 6. Intellectual property
                6.1 Once the client has paid all invoices for a phase, the copyright in the work made specifically for the client in that phase passes to the client. These terms serve as the deed of transfer.
                6.2 The contractor keeps ownership of their general knowledge, methods, tools and reusable code not made specifically for the client. The client receives a perpetual, non-exclusive right to use these to the extent needed to use, manage and have the work modified.
                6.3 The contractor may name and show the work in their portfolio, unless the client objects in writing or the work is confidential.

                Article 7. Confidentiality and personal data
                7.1 Both parties keep the other's confidential information secret, also after the agreement ends. Information is confidential when this has been stated or follows from its nature.
                7.2 If the contractor processes personal data on the client's behalf, for example of customers in an online shop, the parties conclude a data processing agreement under the General Data Protection Regulation. The contractor processes that data only for the assignment and secures it appropriately.

                Article 8. Warranty
                8.1 The contractor fixes, free of charge, defects in the delivered work that the client reports within thirty days after accepting a phase. A defect is a deviation from what was agreed in the scope of that phase.
                8.2 The warranty does not cover parts that the client or a third party changed without consultation. Hosting, maintenance, updates and security updates after delivery are not part of the assignment unless the parties agree on them.

                Article 9. Force majeure
                9.1 A party is not liable for a failure caused by force majeure: a cause beyond its control that it could not reasonably foresee, such as serious illness, an outage at a hosting or network provider, or a government measure.
                9.2 If the force majeure lasts longer than sixty days, either party may end the agreement in writing. What has been delivered so far is paid for proportionally.

                Article 10. Suspension and termination
                10.1 The contractor may suspend the work while a due invoice remains unpaid, as described in the annex.
                10.2 The client may end the agreement at any time in writing. The client then pays for the accepted phases, the work already done on the current phase at the hourly rate up to at most the price of that phase, and costs the contractor has irrevocably incurred.
                10.3 The contractor may end the agreement only for a serious reason, such as repeated non-payment or a cooperation that has become unworkable after the steps when we disagree have been followed. The contractor then hands over the work so far, so that someone else can continue it.
                10.4 Either party may end the agreement with immediate effect if the other goes bankrupt, is granted a suspension of payments or winds up its business.

                Article 11. Governing law
                11.1 These terms and every agreement with the contractor are governed by Dutch law. Disputes are handled according to the steps when we disagree in the annex.
                """
            ),
        },
    },
}

CONTRACT_TEMPLATES: dict[str, dict] = {
    "nl": {
        "name": "Standaardovereenkomst webproject",
        "general_terms_key": GENERAL_TERMS_KEY,
        "clause_keys": CLAUSE_ORDER,
    },
    "en": {
        "name": "Standard web project agreement",
        "general_terms_key": GENERAL_TERMS_KEY,
        "clause_keys": CLAUSE_ORDER,
    },
}
