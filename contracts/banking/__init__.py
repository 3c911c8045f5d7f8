"""Bank statements in: CAMT.053 and MT940 files, their lines matched to open invoices (app label ``banking``)."""
