"""The patients app's pages, one module per part: `records` (the caseload, the chart and
a patient's record), `programs`, `measures`, `goals`, `intake`, `documents` (handout and
report downloads), `reminders`, `audit`, `signin` (the clinic page a handout's QR code
opens) and the package `patient_area` (everything a signed-in patient sees under /me/, one
module per part)."""
