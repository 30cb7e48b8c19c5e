"""Routing (phân tuyến): which district office serves each ward from when, how each team
shares out its work, and the staff's presence (sẵn sàng / vắng mặt / nghỉ trưa / ngoài ca)."""
