from flask import Blueprint

bp = Blueprint("customers", __name__)
