"""Kiểm soát sản lượng (the consumption check): readings import with the ±30 % rule,
abnormal-consumption tickets, the consumption history and the meter-reading schedule."""
