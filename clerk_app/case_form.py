"""The form tab: the case's form with German labels, every edit sent as ``form_set`` with the version seen.

The fields come from the same definitions the server uses (``clerk_app.case_forms``); values, the
version, the clerk's check marks and the citizen's confirmation come live from the server's ``form``
snapshots. A value arriving from the server never overwrites a field the clerk is typing in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clerk_app import case_forms
from clerk_app.case_chat import spawn
from clerk_app.case_controller import CaseController

Send = Callable[[Any], None]
CHECK_REASON = {"mrz_name": "Name aus der MRZ (ohne Umlaute) – mit dem Ausweis vergleichen",
                "mrz_umlaut": "Umlaut möglich (AE/OE/UE/SS) – mit dem Ausweis vergleichen",
                "mrz_sex": "Geschlecht prüfen", "mrz_unknown": "Wert aus der MRZ prüfen"}


class FieldEditor:
    """One field's widget: ``set`` shows a server value, edits call ``send`` with the new value."""

    def __init__(self, field: dict[str, Any], send: Send):
        self.field, self.send = field, send
        kind = field["type"]
        self.widget: QWidget
        if kind in ("select", "nationality"):
            self.combo = QComboBox()
            self.combo.addItem("–", None)
            for option in field.get("options", []):
                self.combo.addItem(option["label"], option["value"])
            self.combo.activated.connect(lambda index: self.send(self.combo.itemData(index)))
            self.widget = self.combo
        elif kind == "checkbox":
            self.check = QCheckBox()
            self.check.clicked.connect(lambda checked: self.send(bool(checked)))
            self.widget = self.check
        elif kind == "address":
            self.parts: dict[str, QLineEdit] = {}
            self.widget = QWidget()
            grid = QGridLayout(self.widget)
            grid.setContentsMargins(0, 0, 0, 0)
            for i, part in enumerate(field.get("parts", [])):
                edit = QLineEdit()
                edit.setObjectName(f"field_{field['id']}_{part['id']}")
                edit.setMaxLength(part.get("max_length") or 200)
                edit.setPlaceholderText(part["label"])
                edit.editingFinished.connect(self._address_edited)
                self.parts[part["id"]] = edit
                grid.addWidget(edit, i // 2, i % 2)
        elif kind in ("upload", "signature"):
            self.label = QLabel("–")
            self.label.setTextFormat(Qt.TextFormat.PlainText)
            self.widget = self.label
        else:
            self.edit = QLineEdit()
            if kind == "date":
                self.edit.setPlaceholderText("TT.MM.JJJJ")
            self.edit.editingFinished.connect(self._text_edited)
            self.widget = self.edit
        self.widget.setObjectName(self.widget.objectName() or f"field_{field['id']}")

    def set(self, value: Any) -> None:
        kind = self.field["type"]
        if kind in ("select", "nationality"):
            index = self.combo.findData(value)
            self.combo.setCurrentIndex(max(index, 0))
        elif kind == "checkbox":
            self.check.setChecked(bool(value))
        elif kind == "address":
            for part_id, edit in self.parts.items():
                if not (edit.hasFocus() and edit.isModified()):
                    edit.setText(str((value or {}).get(part_id) or ""))
                    edit.setModified(False)
        elif kind == "signature":
            self.label.setText("unterschrieben" if value else "noch nicht unterschrieben")
        elif kind == "upload":
            items = value if isinstance(value, list) else [value] if value else []
            self.label.setText(", ".join(str(i.get("name", i.get("id", ""))) for i in items
                                         if isinstance(i, dict)) or "–")
        elif not (self.edit.hasFocus() and self.edit.isModified()):
            text = case_forms.german_date(value) if kind == "date" else ("" if value is None else str(value))
            self.edit.setText(text)
            self.edit.setModified(False)

    def _text_edited(self) -> None:
        if not self.edit.isModified():
            return  # focus left without a change: nothing to send
        self.edit.setModified(False)
        text = self.edit.text()
        kind = self.field["type"]
        value: Any = text.strip() or None
        if kind == "date":
            value = case_forms.iso_date(text)
        elif kind == "number" and value is not None:
            with contextlib.suppress(ValueError):  # else sent as text; the form's validation names the problem
                value = int(value) if value.lstrip("-").isdigit() else float(value.replace(",", "."))
        self.send(value)

    def _address_edited(self) -> None:
        if not any(edit.isModified() for edit in self.parts.values()):
            return
        for edit in self.parts.values():
            edit.setModified(False)
        self.send({part_id: edit.text().strip() or None for part_id, edit in self.parts.items()})


class FormTab(QWidget):
    def __init__(self, controller: CaseController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.picker = QComboBox()
        self.picker.setObjectName("form_picker")
        for form_id, title in case_forms.form_titles().items():
            self.picker.addItem(title, form_id)
        self.open_button = QPushButton("Formular öffnen")
        self.open_button.setObjectName("form_open")
        self.status = QLabel("Kein Formular geöffnet.")
        self.status.setObjectName("form_status")
        self.status.setWordWrap(True)
        self.check_all_button = QPushButton("Alle geprüft")
        self.check_all_button.setObjectName("form_check_all")
        self.check_all_button.setToolTip("Die aus dem Ausweis übernommenen Werte stimmen mit dem Ausweis überein")
        self.sign_button = QPushButton("Unterschrift anfordern")
        self.sign_button.setObjectName("sign_request")
        self.tablet_button = QPushButton("Unterschrift am Tablet …")
        self.tablet_button.setObjectName("sign_tablet")
        self.body = QWidget()
        self.rows = QVBoxLayout(self.body)  # labels above their fields: the column beside the video is narrow
        self.rows.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.body)
        top = QHBoxLayout()
        top.addWidget(self.picker, stretch=1)
        top.addWidget(self.open_button)
        bottom = QHBoxLayout()
        for button in (self.check_all_button, self.sign_button, self.tablet_button):
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(scroll, stretch=1)
        layout.addLayout(bottom)
        self.editors: dict[str, FieldEditor] = {}
        self.check_buttons: dict[str, QPushButton] = {}
        self.row_widgets: dict[str, tuple[QLabel, QWidget]] = {}
        self.row_boxes: list[QWidget] = []
        self._built_for: str | None = None
        self.open_button.clicked.connect(
            lambda: spawn(self.controller.open_form(self.picker.currentData())))
        self.check_all_button.clicked.connect(lambda: spawn(self.controller.check_all()))
        self.sign_button.clicked.connect(lambda: spawn(self.controller.request_signature()))

    def show_case(self) -> None:
        state = self.controller.state
        if state is None:
            return
        service_forms = case_forms.forms_for_service(state.service)
        if service_forms and self.picker.currentData() not in service_forms:
            self.picker.setCurrentIndex(self.picker.findData(service_forms[0]))
        form = state.form
        if form is None:
            self._build(None)
            self.status.setText("Kein Formular geöffnet." + (" Es öffnet sich gleich …" if service_forms else ""))
        else:
            self._build(form.get("form"), form.get("definition"))
            self._fill(form)
        self.sign_button.setEnabled(state.can_request_signature)
        self.tablet_button.setEnabled(state.can_request_signature)
        self.check_all_button.setEnabled(bool(state.needs_check))
        self.open_button.setEnabled(form is None or form.get("form") != self.picker.currentData())

    def _build(self, form_id: str | None, definition: dict[str, Any] | None = None) -> None:
        if form_id == self._built_for:
            return
        for box in self.row_boxes:
            self.rows.removeWidget(box)
            box.deleteLater()
        self.row_boxes.clear()
        self.editors.clear()
        self.check_buttons.clear()
        self.row_widgets.clear()
        self._built_for = form_id
        # the server sends the definition in German with the form; the local copy covers an older server
        view = definition if definition and definition.get("lang") == "de" else (
            case_forms.german(form_id) if form_id else None)
        if view is None:
            return
        for field in case_forms.fields(view):
            editor = FieldEditor(field, self._sender(field["id"]))
            label = QLabel(field.get("label", field["id"]) + (" *" if field.get("required") else ""))
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            check = QPushButton("geprüft")
            check.setObjectName(f"check_{field['id']}")
            check.setVisible(False)
            check.clicked.connect(lambda _=False, f=field["id"]: spawn(self.controller.check_field(f)))
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(editor.widget, stretch=1)
            row.addWidget(check)
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 2, 0, 2)
            column.setSpacing(2)
            column.addWidget(label)
            column.addWidget(cell)
            self.rows.insertWidget(self.rows.count() - 1, box)  # before the stretch
            self.row_boxes.append(box)
            self.editors[field["id"]] = editor
            self.check_buttons[field["id"]] = check
            self.row_widgets[field["id"]] = (label, cell)

    def _sender(self, field_id: str) -> Send:
        return lambda value: spawn(self.controller.set_field(field_id, value))

    def _fill(self, form: dict[str, Any]) -> None:
        values = form.get("values") or {}
        needs_check = form.get("needs_check") or {}
        errors: dict[str, list[str]] = {}
        for error in form.get("errors") or []:  # the server's validation, in German on the clerk's copy
            errors.setdefault(error.get("field", ""), []).append(error.get("message", ""))
        for field_id, editor in self.editors.items():
            editor.set(values.get(field_id))
            shown = case_forms.visible(editor.field, values)
            label, cell = self.row_widgets[field_id]
            label.setVisible(shown)
            cell.setVisible(shown)
            problem = "\n".join(errors.get(field_id, []))
            label.setToolTip(problem)
            label.setStyleSheet("color: #b00020" if problem and field_id in values else "")
            check = self.check_buttons[field_id]
            check.setVisible(field_id in needs_check)
            check.setToolTip(CHECK_REASON.get(needs_check.get(field_id) or "", "Wert prüfen"))
        title = case_forms.form_titles().get(form.get("form", ""), form.get("form", ""))
        if form.get("confirmed"):
            state = "von der Bürgerin / dem Bürger bestätigt ✔"
        elif needs_check:
            state = f"{len(needs_check)} Wert(e) aus dem Ausweis noch zu prüfen"
        elif open_fields := [f for f in errors if self.editors.get(f) and self.editors[f].field["type"] != "signature"]:
            state = f"noch {len(open_fields)} Feld(er) offen oder fehlerhaft"
        else:
            state = "wartet auf die Bestätigung der Bürgerin / des Bürgers"
        self.status.setText(f"{title} · Version {form.get('version', 0)} · {state}")
