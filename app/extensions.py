"""Extension objects, created here and bound to the app in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from app.engine import WorkflowEngine
from app.mailer import Mailer
from app.pdf import PdfRenderer
from app.storage import FileStore


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# limits are set per route (the logins); the storage comes from RATELIMIT_STORAGE_URI
limiter = Limiter(key_func=get_remote_address)
workflow_engine = WorkflowEngine()
file_store = FileStore()
mailer = Mailer()
pdf_renderer = PdfRenderer()
