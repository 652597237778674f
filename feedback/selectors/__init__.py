"""Read queries of cross-department feedback: ``results`` (the heatmap, trend, how others
see a department — with the anonymity floor), ``health`` (collaboration health per
department pair, from the survey and the other flows' selectors)."""
