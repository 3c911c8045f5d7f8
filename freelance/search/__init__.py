"""Search from the top bar: clients, contacts, projects, wishes and invoices of the user, in one place.

A site-layer package (it joins projects and contracts); it has no models.
"""
