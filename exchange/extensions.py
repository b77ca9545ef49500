"""Flask extensions, created unbound and initialised in create_app."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from exchange.db import Base, RoutingSession
from exchange.hygiene import HygienicParser

db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login_manager = LoginManager()
socketio = SocketIO()
# Every @blp.arguments parses through the input hygiene checks (set before any blueprint
# module decorates its views: they take the parser at decoration time).
Blueprint.ARGUMENTS_PARSER = HygienicParser()
api = Api()
babel = Babel()
csrf = CSRFProtect()
