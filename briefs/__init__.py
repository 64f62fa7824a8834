"""briefs: diplomatic briefing documents from a YAML fact base.

The pipeline is load/validate -> plan -> render -> produce one brief -> build -> publish:

- :mod:`briefs.load` reads and validates a relationship's fact files and checks their
  evidence (:mod:`briefs.evidence`);
- :mod:`briefs.plan` decides which briefs a build makes; :mod:`briefs.edition` says what
  each edition may show and where each brief goes;
- :mod:`briefs.render` turns facts and a Jinja template (sandboxed, :mod:`briefs.sandbox`)
  into one HTML document, and the cable template into the telegram's selection;
- :mod:`briefs.produce` renders one brief and has :mod:`briefs.writers` turn it into HTML,
  PDF, DOCX or cable bytes;
- :mod:`briefs.build` skips what is up to date (:mod:`briefs.state`) and writes the rest
  atomically into the output folder (:mod:`briefs.output`);
- :mod:`briefs.publish` writes the index and manifest and makes the `briefs dist` bundle.
"""

__version__ = "0.1.0"
