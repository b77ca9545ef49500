"""Flask extensions, created unbound and initialised in create_app."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from exchange.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
socketio = SocketIO()
api = Api()
babel = Babel()
csrf = CSRFProtect()
