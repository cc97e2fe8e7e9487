"""The patients app's forms, one module per part, named as the pages in `views/` that
use them: `records` (a patient's details, the caseload's filters), `measures` (visits,
corrections, questionnaires), `goals` (goals and discharge), `intake` (the referral, the
red-flag screen, the decisions) and `patient_area` (the patient's session and checks)."""
