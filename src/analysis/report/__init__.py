"""Report building blocks: HTML fragments (escaped), tables with small-cell protection, figures,
and the sections of each report. Notebooks call these and display what they return."""
