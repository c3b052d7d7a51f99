"""Extension singletons, bound to an app in ``create_app``."""

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Session

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model here maps one table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[Table]


class _SQLAlchemy(SQLAlchemy):
    if TYPE_CHECKING:
        # db.session is a scoped_session: a proxy that hands every Session method to the
        # current app context's session. Typed as the Session it stands for, so the
        # services, which take a Session, accept it.
        session: Session  # type: ignore[assignment]


db = _SQLAlchemy(model_class=Base)

# The models' base class. At run time it is Flask-SQLAlchemy's db.Model (Base plus the
# table name and bind helpers); a type checker cannot follow that class built at run time,
# so it sees Base, which carries every mapped attribute the code uses.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
