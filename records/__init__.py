"""Records management: what socialrx does with a person's record as a whole.

- subject access (`subject_access.py`, `subject_access_pdf.py`): everything held on one
  person, and who saw or changed it, as JSON and PDF, for a supervisor of their team;
- retention (`retention.py`, `manage.py apply_retention`): closed cases past their period
  are anonymised, keeping the rows and numbers the evaluation needs;
- backups (`backup.py`, `manage.py backup` / `restore`).

It sits above the domain apps and finds a person's rows by walking the model relations
from people.Person (as people.actions.merge_people does), so a new model is never left out.
It owns no models. docs/operations.md ("Records management").
"""
