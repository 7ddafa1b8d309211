"""The staff's files: the reconciliation workbook and the .xlsx writer under it."""
