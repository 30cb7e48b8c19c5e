"""Quản lý hộ phụ: the register of households sharing a meter, its reports, and the
change_households tickets that change it (see `crm.models.households` for the data)."""
