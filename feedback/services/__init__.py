"""State changes of cross-department feedback (DESIGN §3.4): ``rounds`` (create, open,
remind, close), ``responses`` (answering, anonymously or not), ``actions`` (action items)."""
