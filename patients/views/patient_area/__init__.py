"""The patient area: everything a signed-in patient sees under /me/, one module per part:
`today` (what is due, logging and changing a session, the next-morning question),
`progress`, `my_program` (the program and its handout), `questionnaire`, `signs`
(warning signs and the advice on them) and `service_worker` (the patient app's, for use
offline). No view here takes an object id: everything is the logged-in patient's own."""
