#!/usr/bin/env python3
"""Loads a workbook with openpyxl and reads every cell, as a baseline for `fir import`.

    python3 scripts/openpyxl_load.py FILE.xlsx

Only loading and walking the cells: no mapping, no conversion, no files written.
"""
import sys

import openpyxl

workbook = openpyxl.load_workbook(sys.argv[1], data_only=True)
cells = 0
for sheet in workbook.worksheets:
    for row in sheet.iter_rows(values_only=True):
        cells += sum(1 for value in row if value is not None)
print(f"{cells} non-empty cells", file=sys.stderr)
