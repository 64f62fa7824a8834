"""briefs: diplomatic briefing documents from a YAML fact base.

The pipeline is load -> render -> write -> build, one module each:

- :mod:`briefs.load` reads and validates a relationship's fact files;
- :mod:`briefs.render` turns facts and a Jinja template into one HTML document;
- :mod:`briefs.writers` turns that HTML into HTML, PDF or DOCX bytes;
- :mod:`briefs.build` plans the outputs and writes them atomically into ``build/``.
"""

__version__ = "0.1.0"
