"""The rendering engine: a validated record merged into a Word template, one concern per module.

    sandbox       Jinja's immutable sandbox and the budgets every render runs under
    environment   the filters, and how each value prints
    context       the template's view of a record
    compiler      reading, checking and compiling a template (once per process)
    cache         the compiled form kept on disk between runs
    docx          writing the .docx: parts, listing, ids, core properties, zip
    logo          the school's logo in the letterhead
    locations     where in a template something is, and the errors that say so
    docxtpl_bridge  docxtpl's pre- and post-processing (the only import of docxtpl)
"""

from __future__ import annotations

from .compiler import PreparedTemplate, load_template, prepare
from .context import context
from .environment import FILTERS_HELP, environment
from .logo import Logo

__all__ = ["FILTERS_HELP", "Logo", "PreparedTemplate", "context", "environment", "load_template", "prepare"]
