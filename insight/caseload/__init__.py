"""Import a caseload's history (people, referrals, contacts, connections, measures) from a
folder of five CSV files into an existing team: `manage.py import_caseload FOLDER --team`.

`reading` checks every cell of every file (and the references between them) and collects
every problem as `file.csv:line: column: message`; `writing` then writes everything in one
transaction through the same actions as the pages, so each row is audited as they are.
The format is documented in docs/insight.md ("Importing a caseload").
"""

from insight.caseload.reading import CaseloadProblems, Problem, read_folder
from insight.caseload.writing import Summary, import_caseload

__all__ = ["CaseloadProblems", "Problem", "Summary", "import_caseload", "read_folder"]
