"""Hóa đơn tiền điện (billing): the residential tariff as data and the bill estimate."""
