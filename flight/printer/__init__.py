"""The brick printer's flight-side software: designs, slicing and toolpaths
(used at run time by the print job and by the ground planning tool), and the
print job.  docs/printer.md."""
