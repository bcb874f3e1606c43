"""The briefing packet as a Word document (python-docx, Qt-free), for offices that edit before sending.

``render.render_word`` is the entry point. It reads the case through the PDF renderer's model
(``desktop.briefing.model``), so both formats print the same records with the same options and
filters; the layout is Word's own: built-in heading styles, fields for page numbers and contents.
"""

from __future__ import annotations
