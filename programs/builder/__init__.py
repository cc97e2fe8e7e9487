"""The program builder, shared by patient programs and templates.

The whole program being edited travels in the form. Add, remove, move up/down and
search are buttons of that one form: the server applies the action to the posted
rows and shows the page again, nothing saved. Only "save" writes, as one new
revision. This works with plain HTML; htmx merely swaps the builder in place.

`page.py` is the page (the views of both apps call it), `forms.py` its forms and
`rows.py` the rows being edited and the actions on them.
"""
