"""Extension objects, created here and bound to the app in create_app()."""
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
workflow_engine = WorkflowEngine()
file_store = FileStore()
mailer = Mailer()
pdf_renderer = PdfRenderer()
