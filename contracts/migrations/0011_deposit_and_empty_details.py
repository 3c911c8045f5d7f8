"""The default contract states the deposit, and leaves out a detail that is empty.

Found: a client accepted a contract and then got a deposit invoice the contract never
mentioned. The payment clause now has a paragraph under `{{ if project.deposit }}`: on
acceptance the contractor invoices a deposit of (for example) "30% of the fixed prices,
€1,500.00 excl. VAT", deducted from the final invoice.

Found too: a client without a KvK number read "KvK-nummer , hierna: de opdrachtgever". The
parties in the agreements clause and the contractor in the general terms now carry their
address, KvK number and representative in inline conditions (`{{ if client.kvk_number }},
KvK-nummer {{ client.kvk_number }}{{ end }}`), so an empty detail takes its words with it.

As in 0010, a new version of the install's default is added only where the current default
is still the text an earlier migration loaded (0002, or 0010 for the payment clause): a
default the operator edited stays as it is, and so does every freelancer's own copy and
every contract already drafted. The texts are frozen here: this migration imports nothing live.
"""

from django.db import migrations, transaction

CHANGE_NOTE = {
    "nl": "Aanbetaling in de betalingsclausule; lege gegevens (adres, KvK-nummer) weggelaten",
    "en": "Deposit in the payment clause; empty details (address, KvK number) left out",
}

TEXTS = [
    {
        "model": "ClauseTemplate",
        "key": "agreements",
        "language": "nl",
        "old_body": (
            "Deze overeenkomst van opdracht wordt gesloten tussen:\n"
            "\n"
            "- {{ client.name }}, {{ client.address }}, KvK-nummer {{ client.kvk_number }}, hierna: de opdrachtgever, vertegenwoordigd door {{ decision_maker.name }};\n"
            "- {{ freelancer.business_name }}, {{ freelancer.address }}, KvK-nummer {{ freelancer.kvk_number }}, hierna: de opdrachtnemer, vertegenwoordigd door {{ freelancer.name }}.\n"
            "\n"
            "De opdracht is het project {{ project.name }}. Het doel van het project, zoals de opdrachtgever het heeft omschreven: {{ project.goal }}\n"
            "\n"
            "De overeenkomst bestaat uit twee lagen. Bovenop liggen de specifieke afspraken in deze bijlage; daaronder liggen de algemene voorwaarden van de opdrachtnemer, die achteraan zijn opgenomen. Spreken ze elkaar tegen, dan gaat deze bijlage voor. Algemene voorwaarden of inkoopvoorwaarden van de opdrachtgever gelden niet, tenzij partijen dat uitdrukkelijk en schriftelijk afspreken.\n"
            "\n"
            "De opdrachtnemer voert de opdracht zelfstandig uit, naar beste kunnen en volgens de eisen van goed vakmanschap. Hij bepaalt zelf hoe en wanneer hij het werk doet, binnen de deadlines van deze overeenkomst. Er is geen sprake van een dienstverband.\n"
            "\n"
            "De opdrachtgever verklaart dat {{ decision_maker.name }} namens de opdrachtgever mag beslissen over scope, budget en acceptatie. Verandert dat, dan meldt de opdrachtgever dat direct schriftelijk.\n"
            "\n"
            "Afspraken die na het sluiten van deze overeenkomst worden gemaakt, gelden pas als ze schriftelijk zijn vastgelegd. Een e-mail geldt als schriftelijk, net als een beslissing die de opdrachtgever geeft via een persoonlijke link van de opdrachtnemer. Een mondelinge afspraak, bijvoorbeeld aan de telefoon, bevestigt de opdrachtnemer binnen twee werkdagen per e-mail; reageert de opdrachtgever niet binnen vijf werkdagen op die bevestiging, dan geldt zij als juist.\n"
            "\n"
            "De overeenkomst gaat in op het moment dat de opdrachtgever haar accepteert. Zij eindigt wanneer de laatste fase is geaccepteerd en betaald, of eerder volgens de algemene voorwaarden."
        ),
        "body": (
            "Deze overeenkomst van opdracht wordt gesloten tussen:\n"
            "\n"
            "- {{ client.name }}{{ if client.address }}, {{ client.address }}{{ end }}{{ if client.kvk_number }}, KvK-nummer {{ client.kvk_number }}{{ end }}, hierna: de opdrachtgever{{ if decision_maker.name }}, vertegenwoordigd door {{ decision_maker.name }}{{ end }};\n"
            "- {{ freelancer.business_name }}{{ if freelancer.address }}, {{ freelancer.address }}{{ end }}{{ if freelancer.kvk_number }}, KvK-nummer {{ freelancer.kvk_number }}{{ end }}, hierna: de opdrachtnemer, vertegenwoordigd door {{ freelancer.name }}.\n"
            "\n"
            "De opdracht is het project {{ project.name }}. Het doel van het project, zoals de opdrachtgever het heeft omschreven: {{ project.goal }}\n"
            "\n"
            "De overeenkomst bestaat uit twee lagen. Bovenop liggen de specifieke afspraken in deze bijlage; daaronder liggen de algemene voorwaarden van de opdrachtnemer, die achteraan zijn opgenomen. Spreken ze elkaar tegen, dan gaat deze bijlage voor. Algemene voorwaarden of inkoopvoorwaarden van de opdrachtgever gelden niet, tenzij partijen dat uitdrukkelijk en schriftelijk afspreken.\n"
            "\n"
            "De opdrachtnemer voert de opdracht zelfstandig uit, naar beste kunnen en volgens de eisen van goed vakmanschap. Hij bepaalt zelf hoe en wanneer hij het werk doet, binnen de deadlines van deze overeenkomst. Er is geen sprake van een dienstverband.\n"
            "\n"
            "De opdrachtgever verklaart dat {{ decision_maker.name }} namens de opdrachtgever mag beslissen over scope, budget en acceptatie. Verandert dat, dan meldt de opdrachtgever dat direct schriftelijk.\n"
            "\n"
            "Afspraken die na het sluiten van deze overeenkomst worden gemaakt, gelden pas als ze schriftelijk zijn vastgelegd. Een e-mail geldt als schriftelijk, net als een beslissing die de opdrachtgever geeft via een persoonlijke link van de opdrachtnemer. Een mondelinge afspraak, bijvoorbeeld aan de telefoon, bevestigt de opdrachtnemer binnen twee werkdagen per e-mail; reageert de opdrachtgever niet binnen vijf werkdagen op die bevestiging, dan geldt zij als juist.\n"
            "\n"
            "De overeenkomst gaat in op het moment dat de opdrachtgever haar accepteert. Zij eindigt wanneer de laatste fase is geaccepteerd en betaald, of eerder volgens de algemene voorwaarden."
        ),
    },
    {
        "model": "ClauseTemplate",
        "key": "agreements",
        "language": "en",
        "old_body": (
            "This agreement for services is made between:\n"
            "\n"
            "- {{ client.name }}, {{ client.address }}, Chamber of Commerce (KvK) number {{ client.kvk_number }}, the client, represented by {{ decision_maker.name }};\n"
            "- {{ freelancer.business_name }}, {{ freelancer.address }}, Chamber of Commerce (KvK) number {{ freelancer.kvk_number }}, the contractor, represented by {{ freelancer.name }}.\n"
            "\n"
            "The assignment is the project {{ project.name }}. The goal of the project, in the client's own words: {{ project.goal }}\n"
            "\n"
            "The agreement has two layers. On top are the specific agreements in this annex; beneath them are the contractor's general terms, included at the end. Where the two conflict, this annex prevails. The client's own general terms or purchasing conditions do not apply unless the parties expressly agree so in writing.\n"
            "\n"
            "The contractor carries out the assignment independently, to the best of their ability and with the care of a skilled professional. The contractor decides how and when to do the work, within the deadlines of this agreement. This is not an employment relationship.\n"
            "\n"
            "The client confirms that {{ decision_maker.name }} may decide on the client's behalf about scope, budget and acceptance. If that changes, the client says so in writing at once.\n"
            "\n"
            "Agreements made after this agreement is concluded apply only once they are recorded in writing. An email counts as writing, and so does a decision the client gives through a personal link sent by the contractor. The contractor confirms an oral agreement, for example one made by phone, by email within two working days; if the client does not respond to that confirmation within five working days, it stands as correct.\n"
            "\n"
            "The agreement takes effect when the client accepts it. It ends when the last phase has been accepted and paid for, or earlier under the general terms."
        ),
        "body": (
            "This agreement for services is made between:\n"
            "\n"
            "- {{ client.name }}{{ if client.address }}, {{ client.address }}{{ end }}{{ if client.kvk_number }}, Chamber of Commerce (KvK) number {{ client.kvk_number }}{{ end }}, the client{{ if decision_maker.name }}, represented by {{ decision_maker.name }}{{ end }};\n"
            "- {{ freelancer.business_name }}{{ if freelancer.address }}, {{ freelancer.address }}{{ end }}{{ if freelancer.kvk_number }}, Chamber of Commerce (KvK) number {{ freelancer.kvk_number }}{{ end }}, the contractor, represented by {{ freelancer.name }}.\n"
            "\n"
            "The assignment is the project {{ project.name }}. The goal of the project, in the client's own words: {{ project.goal }}\n"
            "\n"
            "The agreement has two layers. On top are the specific agreements in this annex; beneath them are the contractor's general terms, included at the end. Where the two conflict, this annex prevails. The client's own general terms or purchasing conditions do not apply unless the parties expressly agree so in writing.\n"
            "\n"
            "The contractor carries out the assignment independently, to the best of their ability and with the care of a skilled professional. The contractor decides how and when to do the work, within the deadlines of this agreement. This is not an employment relationship.\n"
            "\n"
            "The client confirms that {{ decision_maker.name }} may decide on the client's behalf about scope, budget and acceptance. If that changes, the client says so in writing at once.\n"
            "\n"
            "Agreements made after this agreement is concluded apply only once they are recorded in writing. An email counts as writing, and so does a decision the client gives through a personal link sent by the contractor. The contractor confirms an oral agreement, for example one made by phone, by email within two working days; if the client does not respond to that confirmation within five working days, it stands as correct.\n"
            "\n"
            "The agreement takes effect when the client accepts it. It ends when the last phase has been accepted and paid for, or earlier under the general terms."
        ),
    },
    {
        "model": "ClauseTemplate",
        "key": "payment",
        "language": "nl",
        "old_body": (
            "De waarde van een dienst daalt zodra hij is geleverd. Daarom factureert de opdrachtnemer bij de oplevering en acceptatie, en niet maanden later:\n"
            "\n"
            "- een fase met een vaste prijs bij haar acceptatie, of op het moment dat zij als geaccepteerd geldt;\n"
            "- werk op basis van nacalculatie en extra werk uit het bakje bij de oplevering van dat werk, en ten minste eenmaal per maand;\n"
            "- kosten van inhuur op kosten van de opdrachtgever zodra die kosten zijn gemaakt.\n"
            "\n"
            "De opdrachtgever betaalt elke factuur binnen {{ payment_term }} dagen na de factuurdatum op rekening {{ freelancer.iban }} ten name van {{ freelancer.business_name }}, onder vermelding van het factuurnummer. Heeft de opdrachtgever bezwaar tegen een factuur, dan meldt hij dat binnen die termijn schriftelijk en met redenen. Het deel waarover geen verschil van mening bestaat, betaalt hij op tijd.\n"
            "\n"
            'Zolang een factuur na de betaaltermijn niet is betaald, begint de opdrachtnemer niet aan nieuw werk voor de opdrachtgever, ook niet aan de volgende fase. Het principe is eenvoudig: "Ik zou wel willen, maar ik kan niet: zo werk ik niet." De deadline van het werk dat daardoor niet kan beginnen, schuift op met het aantal werkdagen dat de betaling te laat is. Dit is geen straf, maar de afspraak; de opdrachtnemer meldt het vooraf.\n'
            "\n"
            "{{ if client.business }}\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een herinnering. Betaalt de opdrachtgever niet op tijd, dan is hij zonder verdere ingebrekestelling in verzuim en is hij vanaf de vervaldag de wettelijke handelsrente verschuldigd (artikel 6:119a Burgerlijk Wetboek). Moet de opdrachtnemer de vordering laten incasseren, dan zijn ook de buitengerechtelijke incassokosten verschuldigd volgens de wettelijke staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40.\n"
            "\n"
            "{{ if client.consumer }}\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een kosteloze aanmaning, de 14-dagenbrief (artikel 6:96 lid 6 Burgerlijk Wetboek). Daarin krijgt de opdrachtgever veertien (14) dagen om alsnog te betalen, te rekenen vanaf de dag na ontvangst van de aanmaning, en staat welk bedrag aan buitengerechtelijke incassokosten hij verschuldigd wordt als hij niet binnen die termijn betaalt. Alleen als de opdrachtgever ook binnen die veertien dagen niet betaalt, zijn die incassokosten verschuldigd, berekend volgens de staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40. Is de opdrachtgever in verzuim, dan is hij over het openstaande bedrag de wettelijke rente verschuldigd (artikel 6:119 Burgerlijk Wetboek)."
        ),
        "body": (
            "De waarde van een dienst daalt zodra hij is geleverd. Daarom factureert de opdrachtnemer bij de oplevering en acceptatie, en niet maanden later:\n"
            "\n"
            "- een fase met een vaste prijs bij haar acceptatie, of op het moment dat zij als geaccepteerd geldt;\n"
            "- werk op basis van nacalculatie en extra werk uit het bakje bij de oplevering van dat werk, en ten minste eenmaal per maand;\n"
            "- kosten van inhuur op kosten van de opdrachtgever zodra die kosten zijn gemaakt.\n"
            "\n"
            "{{ if project.deposit }}\n"
            "Bij de acceptatie van deze overeenkomst factureert de opdrachtnemer een aanbetaling van {{ project.deposit }}. De aanbetaling wordt verrekend met de eindfactuur.\n"
            "\n"
            "De opdrachtgever betaalt elke factuur binnen {{ payment_term }} dagen na de factuurdatum op rekening {{ freelancer.iban }} ten name van {{ freelancer.business_name }}, onder vermelding van het factuurnummer. Heeft de opdrachtgever bezwaar tegen een factuur, dan meldt hij dat binnen die termijn schriftelijk en met redenen. Het deel waarover geen verschil van mening bestaat, betaalt hij op tijd.\n"
            "\n"
            'Zolang een factuur na de betaaltermijn niet is betaald, begint de opdrachtnemer niet aan nieuw werk voor de opdrachtgever, ook niet aan de volgende fase. Het principe is eenvoudig: "Ik zou wel willen, maar ik kan niet: zo werk ik niet." De deadline van het werk dat daardoor niet kan beginnen, schuift op met het aantal werkdagen dat de betaling te laat is. Dit is geen straf, maar de afspraak; de opdrachtnemer meldt het vooraf.\n'
            "\n"
            "{{ if client.business }}\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een herinnering. Betaalt de opdrachtgever niet op tijd, dan is hij zonder verdere ingebrekestelling in verzuim en is hij vanaf de vervaldag de wettelijke handelsrente verschuldigd (artikel 6:119a Burgerlijk Wetboek). Moet de opdrachtnemer de vordering laten incasseren, dan zijn ook de buitengerechtelijke incassokosten verschuldigd volgens de wettelijke staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40.\n"
            "\n"
            "{{ if client.consumer }}\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een kosteloze aanmaning, de 14-dagenbrief (artikel 6:96 lid 6 Burgerlijk Wetboek). Daarin krijgt de opdrachtgever veertien (14) dagen om alsnog te betalen, te rekenen vanaf de dag na ontvangst van de aanmaning, en staat welk bedrag aan buitengerechtelijke incassokosten hij verschuldigd wordt als hij niet binnen die termijn betaalt. Alleen als de opdrachtgever ook binnen die veertien dagen niet betaalt, zijn die incassokosten verschuldigd, berekend volgens de staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40. Is de opdrachtgever in verzuim, dan is hij over het openstaande bedrag de wettelijke rente verschuldigd (artikel 6:119 Burgerlijk Wetboek)."
        ),
    },
    {
        "model": "ClauseTemplate",
        "key": "payment",
        "language": "en",
        "old_body": (
            "The value of a service falls once it has been delivered. That is why the contractor invoices at delivery and acceptance, not months later:\n"
            "\n"
            "- a fixed-price phase at its acceptance, or when it counts as accepted;\n"
            "- time-and-materials work and extra work from the bucket at delivery of that work, and at least once a month;\n"
            "- the cost of hiring in at the client's cost as soon as that cost has been incurred.\n"
            "\n"
            "The client pays every invoice within {{ payment_term }} days of the invoice date into account {{ freelancer.iban }} in the name of {{ freelancer.business_name }}, quoting the invoice number. If the client disputes an invoice, it says so in writing, with reasons, within that term. The undisputed part is paid on time.\n"
            "\n"
            "As long as an invoice remains unpaid after its payment term, the contractor does not start new work for the client, including the next phase. The principle is simple: \"I would, but I can't: that's not how I work.\" The deadline of the work that cannot start moves by the number of working days the payment is late. This is not a penalty but the agreement; the contractor announces it in advance.\n"
            "\n"
            "{{ if client.business }}\n"
            "After the due date the contractor first sends a reminder. If the client does not pay on time, the client is in default without further notice and owes the statutory commercial interest from the due date (article 6:119a of the Dutch Civil Code). If the contractor has to have the claim collected, the client also owes the extrajudicial collection costs according to the statutory scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40.\n"
            "\n"
            "{{ if client.consumer }}\n"
            "After the due date the contractor first sends a free reminder, the 14-day letter (article 6:96(6) of the Dutch Civil Code). It gives the client fourteen (14) days to pay, counted from the day after the client receives it, and states the amount of extrajudicial collection costs the client will owe if the client does not pay within that term. Only if the client has not paid within those fourteen days are those collection costs owed, calculated according to the scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40. Once the client is in default, the client owes the statutory interest on the amount outstanding (article 6:119 of the Dutch Civil Code)."
        ),
        "body": (
            "The value of a service falls once it has been delivered. That is why the contractor invoices at delivery and acceptance, not months later:\n"
            "\n"
            "- a fixed-price phase at its acceptance, or when it counts as accepted;\n"
            "- time-and-materials work and extra work from the bucket at delivery of that work, and at least once a month;\n"
            "- the cost of hiring in at the client's cost as soon as that cost has been incurred.\n"
            "\n"
            "{{ if project.deposit }}\n"
            "On acceptance of this agreement the contractor invoices a deposit of {{ project.deposit }}. The deposit is deducted from the final invoice.\n"
            "\n"
            "The client pays every invoice within {{ payment_term }} days of the invoice date into account {{ freelancer.iban }} in the name of {{ freelancer.business_name }}, quoting the invoice number. If the client disputes an invoice, it says so in writing, with reasons, within that term. The undisputed part is paid on time.\n"
            "\n"
            "As long as an invoice remains unpaid after its payment term, the contractor does not start new work for the client, including the next phase. The principle is simple: \"I would, but I can't: that's not how I work.\" The deadline of the work that cannot start moves by the number of working days the payment is late. This is not a penalty but the agreement; the contractor announces it in advance.\n"
            "\n"
            "{{ if client.business }}\n"
            "After the due date the contractor first sends a reminder. If the client does not pay on time, the client is in default without further notice and owes the statutory commercial interest from the due date (article 6:119a of the Dutch Civil Code). If the contractor has to have the claim collected, the client also owes the extrajudicial collection costs according to the statutory scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40.\n"
            "\n"
            "{{ if client.consumer }}\n"
            "After the due date the contractor first sends a free reminder, the 14-day letter (article 6:96(6) of the Dutch Civil Code). It gives the client fourteen (14) days to pay, counted from the day after the client receives it, and states the amount of extrajudicial collection costs the client will owe if the client does not pay within that term. Only if the client has not paid within those fourteen days are those collection costs owed, calculated according to the scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40. Once the client is in default, the client owes the statutory interest on the amount outstanding (article 6:119 of the Dutch Civil Code)."
        ),
    },
    {
        "model": "GeneralTerms",
        "key": "general-terms",
        "language": "nl",
        "old_body": (
            "Artikel 1. Toepasselijkheid\n"
            "1.1 Deze algemene voorwaarden gelden voor elke offerte, opdracht en overeenkomst van {{ freelancer.business_name }} (de opdrachtnemer), ingeschreven bij de KvK onder nummer {{ freelancer.kvk_number }}.\n"
            "1.2 De specifieke afspraken in de contractbijlage gaan voor deze voorwaarden. Afwijkingen gelden alleen als ze schriftelijk zijn overeengekomen.\n"
            "1.3 Is een bepaling ongeldig, dan blijven de andere gelden. Partijen vervangen de ongeldige bepaling door een geldige die het doel ervan zo dicht mogelijk benadert.\n"
            "\n"
            "Artikel 2. Offertes en totstandkoming\n"
            "2.1 Een offerte is dertig dagen geldig, tenzij erin een andere termijn staat.\n"
            "2.2 De overeenkomst komt tot stand doordat de opdrachtgever de contractbijlage accepteert, op papier of via een persoonlijke link. Begint de opdrachtnemer op verzoek van de opdrachtgever al eerder met het werk, dan gelden deze voorwaarden ook voor dat werk.\n"
            "\n"
            "Artikel 3. Uitvoering\n"
            "3.1 De opdrachtnemer voert de opdracht zorgvuldig en naar beste kunnen uit. Hij heeft een inspanningsverplichting, tenzij in de contractbijlage een resultaat uitdrukkelijk is toegezegd.\n"
            "3.2 De opdrachtnemer mag na overleg met de opdrachtgever onderdelen van het werk laten uitvoeren door anderen. Hij blijft dan verantwoordelijk voor het geheel.\n"
            "3.3 De opdrachtnemer gebruikt gangbare, onderhouden software en bibliotheken. Open-sourcecomponenten blijven onder hun eigen licentie vallen; de opdrachtnemer kiest componenten waarvan de licentie het beoogde gebruik toestaat.\n"
            "\n"
            "Artikel 4. Medewerking van de opdrachtgever\n"
            "4.1 De opdrachtgever geeft de opdrachtnemer tijdig alle informatie, input, toegang en beslissingen die voor de opdracht nodig zijn, zoals beschreven in de contractbijlage.\n"
            "4.2 De opdrachtgever is verantwoordelijk voor de inhoud die hij zelf op een website of in een systeem plaatst, en voor het beheer van de accounts en wachtwoorden die hij van de opdrachtnemer ontvangt.\n"
            "\n"
            "Artikel 5. Termijnen\n"
            "5.1 De harde deadline van de eerste fase en de termijnen van latere fasen staan in de contractbijlage. Andere termijnen zijn streeftermijnen.\n"
            "5.2 Wordt een deadline niet gehaald door een oorzaak die bij de opdrachtnemer ligt, dan meldt hij dat zo vroeg mogelijk en stelt de opdrachtgever hem schriftelijk een redelijke nieuwe termijn voordat hij verdere rechten kan uitoefenen.\n"
            "\n"
            "Artikel 6. Intellectuele eigendom\n"
            "6.1 Zodra de opdrachtgever alle facturen voor een fase heeft betaald, gaan de auteursrechten op het werk dat speciaal voor de opdrachtgever is gemaakt in die fase over op de opdrachtgever. Deze voorwaarden gelden daarvoor als akte van overdracht.\n"
            "6.2 De opdrachtnemer blijft eigenaar van zijn algemene kennis, werkwijzen, hulpmiddelen en herbruikbare code die hij niet speciaal voor de opdrachtgever heeft gemaakt. De opdrachtgever krijgt daarop een eeuwigdurend, niet-exclusief gebruiksrecht voor zover hij dat nodig heeft om het werk te gebruiken, te beheren en te laten aanpassen.\n"
            "6.3 De opdrachtnemer mag het werk noemen en tonen in zijn portfolio, tenzij de opdrachtgever daar schriftelijk bezwaar tegen maakt of het werk vertrouwelijk is.\n"
            "\n"
            "Artikel 7. Geheimhouding en persoonsgegevens\n"
            "7.1 Beide partijen houden vertrouwelijke informatie van de ander geheim, ook na het einde van de overeenkomst. Informatie is vertrouwelijk als dat is gezegd of als dat uit de aard van de informatie volgt.\n"
            "7.2 Verwerkt de opdrachtnemer persoonsgegevens voor de opdrachtgever, bijvoorbeeld van klanten in een webwinkel, dan sluiten partijen een verwerkersovereenkomst volgens de Algemene verordening gegevensbescherming. De opdrachtnemer verwerkt die gegevens alleen voor de opdracht en beveiligt ze passend.\n"
            "\n"
            "Artikel 8. Garantie\n"
            "8.1 Fouten in het opgeleverde werk die de opdrachtgever binnen dertig dagen na de acceptatie van een fase meldt, herstelt de opdrachtnemer zonder kosten. Een fout is een afwijking van wat in de scope van die fase is afgesproken.\n"
            "8.2 De garantie vervalt voor onderdelen die de opdrachtgever of een derde zonder overleg heeft gewijzigd. Hosting, onderhoud, updates en beveiligingsupdates na de oplevering vallen niet onder de opdracht, tenzij partijen daarvoor iets afspreken.\n"
            "\n"
            "Artikel 9. Overmacht\n"
            "9.1 Een partij is niet aansprakelijk voor een tekortkoming door overmacht: een oorzaak buiten haar macht die zij redelijkerwijs niet kon voorzien, zoals ernstige ziekte, een storing bij een hosting- of netwerkleverancier of een overheidsmaatregel.\n"
            "9.2 Duurt de overmacht langer dan zestig dagen, dan mag elke partij de overeenkomst schriftelijk beëindigen. Wat al is geleverd, wordt naar verhouding betaald.\n"
            "\n"
            "Artikel 10. Opschorting en beëindiging\n"
            "10.1 De opdrachtnemer mag zijn werk opschorten zolang een opeisbare factuur niet is betaald, zoals beschreven in de contractbijlage.\n"
            "10.2 De opdrachtgever mag de overeenkomst op elk moment schriftelijk opzeggen. Hij betaalt dan de geaccepteerde fasen, het werk dat al aan de lopende fase is gedaan tegen het uurtarief tot ten hoogste de prijs van die fase, en kosten die de opdrachtnemer al onherroepelijk heeft gemaakt.\n"
            "10.3 De opdrachtnemer mag de overeenkomst alleen opzeggen om een gewichtige reden, zoals herhaalde niet-betaling of een onwerkbare samenwerking nadat de stappen bij onenigheid zijn doorlopen. Hij levert het werk tot dan toe op, zodat een ander het kan voortzetten.\n"
            "10.4 Elke partij mag de overeenkomst met onmiddellijke ingang beëindigen als de ander failliet gaat, surseance van betaling krijgt of zijn bedrijf beëindigt.\n"
            "\n"
            "Artikel 11. Toepasselijk recht\n"
            "11.1 Op deze voorwaarden en op elke overeenkomst met de opdrachtnemer is Nederlands recht van toepassing. Geschillen worden behandeld volgens de stappen bij onenigheid in de contractbijlage."
        ),
        "body": (
            "Artikel 1. Toepasselijkheid\n"
            "1.1 Deze algemene voorwaarden gelden voor elke offerte, opdracht en overeenkomst van {{ freelancer.business_name }} (de opdrachtnemer){{ if freelancer.kvk_number }}, ingeschreven bij de KvK onder nummer {{ freelancer.kvk_number }}{{ end }}.\n"
            "1.2 De specifieke afspraken in de contractbijlage gaan voor deze voorwaarden. Afwijkingen gelden alleen als ze schriftelijk zijn overeengekomen.\n"
            "1.3 Is een bepaling ongeldig, dan blijven de andere gelden. Partijen vervangen de ongeldige bepaling door een geldige die het doel ervan zo dicht mogelijk benadert.\n"
            "\n"
            "Artikel 2. Offertes en totstandkoming\n"
            "2.1 Een offerte is dertig dagen geldig, tenzij erin een andere termijn staat.\n"
            "2.2 De overeenkomst komt tot stand doordat de opdrachtgever de contractbijlage accepteert, op papier of via een persoonlijke link. Begint de opdrachtnemer op verzoek van de opdrachtgever al eerder met het werk, dan gelden deze voorwaarden ook voor dat werk.\n"
            "\n"
            "Artikel 3. Uitvoering\n"
            "3.1 De opdrachtnemer voert de opdracht zorgvuldig en naar beste kunnen uit. Hij heeft een inspanningsverplichting, tenzij in de contractbijlage een resultaat uitdrukkelijk is toegezegd.\n"
            "3.2 De opdrachtnemer mag na overleg met de opdrachtgever onderdelen van het werk laten uitvoeren door anderen. Hij blijft dan verantwoordelijk voor het geheel.\n"
            "3.3 De opdrachtnemer gebruikt gangbare, onderhouden software en bibliotheken. Open-sourcecomponenten blijven onder hun eigen licentie vallen; de opdrachtnemer kiest componenten waarvan de licentie het beoogde gebruik toestaat.\n"
            "\n"
            "Artikel 4. Medewerking van de opdrachtgever\n"
            "4.1 De opdrachtgever geeft de opdrachtnemer tijdig alle informatie, input, toegang en beslissingen die voor de opdracht nodig zijn, zoals beschreven in de contractbijlage.\n"
            "4.2 De opdrachtgever is verantwoordelijk voor de inhoud die hij zelf op een website of in een systeem plaatst, en voor het beheer van de accounts en wachtwoorden die hij van de opdrachtnemer ontvangt.\n"
            "\n"
            "Artikel 5. Termijnen\n"
            "5.1 De harde deadline van de eerste fase en de termijnen van latere fasen staan in de contractbijlage. Andere termijnen zijn streeftermijnen.\n"
            "5.2 Wordt een deadline niet gehaald door een oorzaak die bij de opdrachtnemer ligt, dan meldt hij dat zo vroeg mogelijk en stelt de opdrachtgever hem schriftelijk een redelijke nieuwe termijn voordat hij verdere rechten kan uitoefenen.\n"
            "\n"
            "Artikel 6. Intellectuele eigendom\n"
            "6.1 Zodra de opdrachtgever alle facturen voor een fase heeft betaald, gaan de auteursrechten op het werk dat speciaal voor de opdrachtgever is gemaakt in die fase over op de opdrachtgever. Deze voorwaarden gelden daarvoor als akte van overdracht.\n"
            "6.2 De opdrachtnemer blijft eigenaar van zijn algemene kennis, werkwijzen, hulpmiddelen en herbruikbare code die hij niet speciaal voor de opdrachtgever heeft gemaakt. De opdrachtgever krijgt daarop een eeuwigdurend, niet-exclusief gebruiksrecht voor zover hij dat nodig heeft om het werk te gebruiken, te beheren en te laten aanpassen.\n"
            "6.3 De opdrachtnemer mag het werk noemen en tonen in zijn portfolio, tenzij de opdrachtgever daar schriftelijk bezwaar tegen maakt of het werk vertrouwelijk is.\n"
            "\n"
            "Artikel 7. Geheimhouding en persoonsgegevens\n"
            "7.1 Beide partijen houden vertrouwelijke informatie van de ander geheim, ook na het einde van de overeenkomst. Informatie is vertrouwelijk als dat is gezegd of als dat uit de aard van de informatie volgt.\n"
            "7.2 Verwerkt de opdrachtnemer persoonsgegevens voor de opdrachtgever, bijvoorbeeld van klanten in een webwinkel, dan sluiten partijen een verwerkersovereenkomst volgens de Algemene verordening gegevensbescherming. De opdrachtnemer verwerkt die gegevens alleen voor de opdracht en beveiligt ze passend.\n"
            "\n"
            "Artikel 8. Garantie\n"
            "8.1 Fouten in het opgeleverde werk die de opdrachtgever binnen dertig dagen na de acceptatie van een fase meldt, herstelt de opdrachtnemer zonder kosten. Een fout is een afwijking van wat in de scope van die fase is afgesproken.\n"
            "8.2 De garantie vervalt voor onderdelen die de opdrachtgever of een derde zonder overleg heeft gewijzigd. Hosting, onderhoud, updates en beveiligingsupdates na de oplevering vallen niet onder de opdracht, tenzij partijen daarvoor iets afspreken.\n"
            "\n"
            "Artikel 9. Overmacht\n"
            "9.1 Een partij is niet aansprakelijk voor een tekortkoming door overmacht: een oorzaak buiten haar macht die zij redelijkerwijs niet kon voorzien, zoals ernstige ziekte, een storing bij een hosting- of netwerkleverancier of een overheidsmaatregel.\n"
            "9.2 Duurt de overmacht langer dan zestig dagen, dan mag elke partij de overeenkomst schriftelijk beëindigen. Wat al is geleverd, wordt naar verhouding betaald.\n"
            "\n"
            "Artikel 10. Opschorting en beëindiging\n"
            "10.1 De opdrachtnemer mag zijn werk opschorten zolang een opeisbare factuur niet is betaald, zoals beschreven in de contractbijlage.\n"
            "10.2 De opdrachtgever mag de overeenkomst op elk moment schriftelijk opzeggen. Hij betaalt dan de geaccepteerde fasen, het werk dat al aan de lopende fase is gedaan tegen het uurtarief tot ten hoogste de prijs van die fase, en kosten die de opdrachtnemer al onherroepelijk heeft gemaakt.\n"
            "10.3 De opdrachtnemer mag de overeenkomst alleen opzeggen om een gewichtige reden, zoals herhaalde niet-betaling of een onwerkbare samenwerking nadat de stappen bij onenigheid zijn doorlopen. Hij levert het werk tot dan toe op, zodat een ander het kan voortzetten.\n"
            "10.4 Elke partij mag de overeenkomst met onmiddellijke ingang beëindigen als de ander failliet gaat, surseance van betaling krijgt of zijn bedrijf beëindigt.\n"
            "\n"
            "Artikel 11. Toepasselijk recht\n"
            "11.1 Op deze voorwaarden en op elke overeenkomst met de opdrachtnemer is Nederlands recht van toepassing. Geschillen worden behandeld volgens de stappen bij onenigheid in de contractbijlage."
        ),
    },
    {
        "model": "GeneralTerms",
        "key": "general-terms",
        "language": "en",
        "old_body": (
            "Article 1. Scope\n"
            "1.1 These general terms apply to every quotation, assignment and agreement of {{ freelancer.business_name }} (the contractor), registered with the Dutch Chamber of Commerce (KvK) under number {{ freelancer.kvk_number }}.\n"
            "1.2 The specific agreements in the annex prevail over these terms. Deviations apply only if agreed in writing.\n"
            "1.3 If a provision is invalid, the others remain in force. The parties replace the invalid provision with a valid one that comes as close as possible to its purpose.\n"
            "\n"
            "Article 2. Quotations and formation\n"
            "2.1 A quotation is valid for thirty days, unless it states another term.\n"
            "2.2 The agreement is formed when the client accepts the annex, on paper or through a personal link. If the contractor starts work earlier at the client's request, these terms apply to that work too.\n"
            "\n"
            "Article 3. Performance\n"
            "3.1 The contractor performs the assignment with care and to the best of their ability. It is an obligation of effort, unless the annex expressly promises a specific result.\n"
            "3.2 After consulting the client, the contractor may have parts of the work done by others. The contractor remains responsible for the whole.\n"
            "3.3 The contractor uses common, maintained software and libraries. Open-source components remain under their own licences; the contractor chooses components whose licences permit the intended use.\n"
            "\n"
            "Article 4. The client's cooperation\n"
            "4.1 The client gives the contractor, in good time, all information, input, access and decisions the assignment needs, as described in the annex.\n"
            "4.2 The client is responsible for the content it places on a website or in a system itself, and for managing the accounts and passwords it receives from the contractor.\n"
            "\n"
            "Article 5. Deadlines\n"
            "5.1 The hard deadline of the first phase and the terms of later phases are set out in the annex. Other dates are targets.\n"
            "5.2 If a deadline is missed for a reason on the contractor's side, the contractor reports it as early as possible, and the client sets a reasonable new deadline in writing before exercising any further rights.\n"
            "\n"
            "Article 6. Intellectual property\n"
            "6.1 Once the client has paid all invoices for a phase, the copyright in the work made specifically for the client in that phase passes to the client. These terms serve as the deed of transfer.\n"
            "6.2 The contractor keeps ownership of their general knowledge, methods, tools and reusable code not made specifically for the client. The client receives a perpetual, non-exclusive right to use these to the extent needed to use, manage and have the work modified.\n"
            "6.3 The contractor may name and show the work in their portfolio, unless the client objects in writing or the work is confidential.\n"
            "\n"
            "Article 7. Confidentiality and personal data\n"
            "7.1 Both parties keep the other's confidential information secret, also after the agreement ends. Information is confidential when this has been stated or follows from its nature.\n"
            "7.2 If the contractor processes personal data on the client's behalf, for example of customers in an online shop, the parties conclude a data processing agreement under the General Data Protection Regulation. The contractor processes that data only for the assignment and secures it appropriately.\n"
            "\n"
            "Article 8. Warranty\n"
            "8.1 The contractor fixes, free of charge, defects in the delivered work that the client reports within thirty days after accepting a phase. A defect is a deviation from what was agreed in the scope of that phase.\n"
            "8.2 The warranty does not cover parts that the client or a third party changed without consultation. Hosting, maintenance, updates and security updates after delivery are not part of the assignment unless the parties agree on them.\n"
            "\n"
            "Article 9. Force majeure\n"
            "9.1 A party is not liable for a failure caused by force majeure: a cause beyond its control that it could not reasonably foresee, such as serious illness, an outage at a hosting or network provider, or a government measure.\n"
            "9.2 If the force majeure lasts longer than sixty days, either party may end the agreement in writing. What has been delivered so far is paid for proportionally.\n"
            "\n"
            "Article 10. Suspension and termination\n"
            "10.1 The contractor may suspend the work while a due invoice remains unpaid, as described in the annex.\n"
            "10.2 The client may end the agreement at any time in writing. The client then pays for the accepted phases, the work already done on the current phase at the hourly rate up to at most the price of that phase, and costs the contractor has irrevocably incurred.\n"
            "10.3 The contractor may end the agreement only for a serious reason, such as repeated non-payment or a cooperation that has become unworkable after the steps when we disagree have been followed. The contractor then hands over the work so far, so that someone else can continue it.\n"
            "10.4 Either party may end the agreement with immediate effect if the other goes bankrupt, is granted a suspension of payments or winds up its business.\n"
            "\n"
            "Article 11. Governing law\n"
            "11.1 These terms and every agreement with the contractor are governed by Dutch law. Disputes are handled according to the steps when we disagree in the annex."
        ),
        "body": (
            "Article 1. Scope\n"
            "1.1 These general terms apply to every quotation, assignment and agreement of {{ freelancer.business_name }} (the contractor){{ if freelancer.kvk_number }}, registered with the Dutch Chamber of Commerce (KvK) under number {{ freelancer.kvk_number }}{{ end }}.\n"
            "1.2 The specific agreements in the annex prevail over these terms. Deviations apply only if agreed in writing.\n"
            "1.3 If a provision is invalid, the others remain in force. The parties replace the invalid provision with a valid one that comes as close as possible to its purpose.\n"
            "\n"
            "Article 2. Quotations and formation\n"
            "2.1 A quotation is valid for thirty days, unless it states another term.\n"
            "2.2 The agreement is formed when the client accepts the annex, on paper or through a personal link. If the contractor starts work earlier at the client's request, these terms apply to that work too.\n"
            "\n"
            "Article 3. Performance\n"
            "3.1 The contractor performs the assignment with care and to the best of their ability. It is an obligation of effort, unless the annex expressly promises a specific result.\n"
            "3.2 After consulting the client, the contractor may have parts of the work done by others. The contractor remains responsible for the whole.\n"
            "3.3 The contractor uses common, maintained software and libraries. Open-source components remain under their own licences; the contractor chooses components whose licences permit the intended use.\n"
            "\n"
            "Article 4. The client's cooperation\n"
            "4.1 The client gives the contractor, in good time, all information, input, access and decisions the assignment needs, as described in the annex.\n"
            "4.2 The client is responsible for the content it places on a website or in a system itself, and for managing the accounts and passwords it receives from the contractor.\n"
            "\n"
            "Article 5. Deadlines\n"
            "5.1 The hard deadline of the first phase and the terms of later phases are set out in the annex. Other dates are targets.\n"
            "5.2 If a deadline is missed for a reason on the contractor's side, the contractor reports it as early as possible, and the client sets a reasonable new deadline in writing before exercising any further rights.\n"
            "\n"
            "Article 6. Intellectual property\n"
            "6.1 Once the client has paid all invoices for a phase, the copyright in the work made specifically for the client in that phase passes to the client. These terms serve as the deed of transfer.\n"
            "6.2 The contractor keeps ownership of their general knowledge, methods, tools and reusable code not made specifically for the client. The client receives a perpetual, non-exclusive right to use these to the extent needed to use, manage and have the work modified.\n"
            "6.3 The contractor may name and show the work in their portfolio, unless the client objects in writing or the work is confidential.\n"
            "\n"
            "Article 7. Confidentiality and personal data\n"
            "7.1 Both parties keep the other's confidential information secret, also after the agreement ends. Information is confidential when this has been stated or follows from its nature.\n"
            "7.2 If the contractor processes personal data on the client's behalf, for example of customers in an online shop, the parties conclude a data processing agreement under the General Data Protection Regulation. The contractor processes that data only for the assignment and secures it appropriately.\n"
            "\n"
            "Article 8. Warranty\n"
            "8.1 The contractor fixes, free of charge, defects in the delivered work that the client reports within thirty days after accepting a phase. A defect is a deviation from what was agreed in the scope of that phase.\n"
            "8.2 The warranty does not cover parts that the client or a third party changed without consultation. Hosting, maintenance, updates and security updates after delivery are not part of the assignment unless the parties agree on them.\n"
            "\n"
            "Article 9. Force majeure\n"
            "9.1 A party is not liable for a failure caused by force majeure: a cause beyond its control that it could not reasonably foresee, such as serious illness, an outage at a hosting or network provider, or a government measure.\n"
            "9.2 If the force majeure lasts longer than sixty days, either party may end the agreement in writing. What has been delivered so far is paid for proportionally.\n"
            "\n"
            "Article 10. Suspension and termination\n"
            "10.1 The contractor may suspend the work while a due invoice remains unpaid, as described in the annex.\n"
            "10.2 The client may end the agreement at any time in writing. The client then pays for the accepted phases, the work already done on the current phase at the hourly rate up to at most the price of that phase, and costs the contractor has irrevocably incurred.\n"
            "10.3 The contractor may end the agreement only for a serious reason, such as repeated non-payment or a cooperation that has become unworkable after the steps when we disagree have been followed. The contractor then hands over the work so far, so that someone else can continue it.\n"
            "10.4 Either party may end the agreement with immediate effect if the other goes bankrupt, is granted a suspension of payments or winds up its business.\n"
            "\n"
            "Article 11. Governing law\n"
            "11.1 These terms and every agreement with the contractor are governed by Dutch law. Disputes are handled according to the steps when we disagree in the annex."
        ),
    },
]


def state_deposit_and_leave_out_empty_details(apps, schema_editor):
    with transaction.atomic():
        for row in TEXTS:
            model = apps.get_model("contracts", row["model"])
            current = (
                model.objects.filter(owner__isnull=True, key=row["key"], language=row["language"])
                .order_by("-version")
                .first()
            )
            if current is None or current.body != row["old_body"]:
                continue  # no default (the seed brings today's), already done, or the operator's own text
            fields = {"category": current.category} if row["model"] == "ClauseTemplate" else {}
            model.objects.create(
                key=row["key"],
                language=row["language"],
                version=current.version + 1,
                title=current.title,
                body=row["body"],
                change_note=CHANGE_NOTE[row["language"]],
                **fields,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0010_payment_clause_by_client_type"),
    ]

    operations = [
        migrations.RunPython(state_deposit_and_leave_out_empty_details, migrations.RunPython.noop),
    ]
