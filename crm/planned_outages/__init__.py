"""Lịch tạm ngừng cấp điện (planned outages): the schedule imported from CSV, looked up by
customer, ward or feeder, and announced to the customers it cuts, ahead and on change."""
