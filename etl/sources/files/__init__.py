"""Administrative "reports and information" that responsible bodies drop as CSV/XLSX into an inbox folder."""
