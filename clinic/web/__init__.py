"""Server-rendered pages: login, caseload, patient chart and the forms that change it."""
