"""Evidence a third party can check: a hash chain per freelancer over every client decision."""
