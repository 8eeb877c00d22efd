"""Benchmark of issuing a document: render (reportlab) and PAdES-sign (pyHanko) N of one kind, or of each.

Run: .venv/bin/python bench/certificate.py [--certificates N] [--key-type ec-p256|rsa-3072]
     [--kind meldebescheinigung|anmeldebestaetigung|abmeldebestaetigung|bewohnerparkausweis|
             fuehrungszeugnis_antrag|all] [--json]

Each certificate has its own data (id, name, URL), as in production. The signing key is loaded once,
as the server does at start; a throw-away TEST PKI is created in a temporary folder. Two warm-up
certificates (font registration, first imports) are excluded and reported separately.
Target: render + sign ≤ 200 ms median per certificate on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from videoschalter.certificates.from_form import DocumentData
from videoschalter.certificates.fuehrungszeugnis import ConductApplicationData
from videoschalter.certificates.issuing import render_document, signature_reason
from videoschalter.certificates.meldebestaetigung import Registration, RegistrationData
from videoschalter.certificates.models import CertificateData, Dwelling, IssueInfo, Office
from videoschalter.certificates.parkausweis import ParkingPermitData
from videoschalter.certificates.signing import OfficeSigner, load_signer, sign_pdf
from videoschalter.certificates.test_ca import ensure_test_pki
from videoschalter.certificates.verify import verify_pdf

WARM_UP = 2
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Office("Stadt Musterstadt", "Bürgerbüro", "Marktplatz 1", "12345", "Musterstadt",
                phone="0123 456-0", email="buergerbuero@musterstadt.example", website="www.musterstadt.example")
BASE = CertificateData(
    document_id="VS-2026-0000-0000", verification_url="https://buergerbuero.musterstadt.example/verify/",
    family_name="Kowalenko", given_names="Olena Мирослава", birth_date=dt.date(1988, 3, 14),
    nationalities=("ukrainisch",), street="Große Straße", house_number="12a", postal_code="12345",
    city="Musterstadt", moved_in=dt.date(2022, 4, 1), dwelling=Dwelling.MAIN,
    issued_at=dt.datetime(2026, 11, 23, 14, 5, tzinfo=BERLIN), birth_name="Шевченко",
    birth_place="Charkiw (Ukraine)", payment_reference="PAY-2026-004711", clerk="Frau Weiß")


INFO = IssueInfo(BASE.document_id, BASE.verification_url, BASE.issued_at, clerk="Frau Weiß")
HOME = ("Große Straße 12a", "12345 Musterstadt")
SAMPLES: dict[str, DocumentData] = {
    "meldebescheinigung": BASE,
    "anmeldebestaetigung": RegistrationData(INFO, Registration.ANMELDUNG, "Kowalenko", "Olena Мирослава",
                                            dt.date(1988, 3, 14), HOME, dt.date(2026, 11, 15), dt.date(2026, 11, 23),
                                            Dwelling.ONLY),
    "abmeldebestaetigung": RegistrationData(INFO, Registration.ABMELDUNG, "Kowalenko", "Olena", dt.date(1988, 3, 14),
                                            HOME, dt.date(2026, 11, 30), dt.date(2026, 11, 23),
                                            other_address=("Rue de Rivoli 10", "75001 Paris", "FRANKREICH"),
                                            other_address_label="Neue Anschrift im Ausland"),
    "bewohnerparkausweis": ParkingPermitData(dataclasses.replace(INFO, fee_cents=3000, payment_reference="PAY-1"),
                                             "B", "Bahnhofsviertel", "B-AB 1234", dt.date(2026, 12, 1),
                                             dt.date(2027, 11, 30), "Olena Kowalenko", HOME),
    "fuehrungszeugnis_antrag": ConductApplicationData(
        dataclasses.replace(INFO, fee_cents=1300, payment_reference="PAY-2"), "Kowalenko", "Olena",
        dt.date(1988, 3, 14), "Charkiw", ("ukrainisch",), HOME, "Behördenführungszeugnis (§ 30 Abs. 5 BZRG)", "O",
        ("Landratsamt Musterkreis – Ordnungsamt", "Kreisstraße 1", "12346 Musterhausen"), birth_name="Шевченко",
        purpose="Gaststättenerlaubnis", authority_reference="32.1-4711/26"),
}


def certificate(i: int, kind: str = "meldebescheinigung") -> DocumentData:
    """The kind's sample with its own id, URL, name and time, as every issued document has."""
    doc_id = f"VS-2026-{i:04d}-BNCH"
    sample = SAMPLES[kind]
    url = BASE.verification_url + doc_id
    moment = BASE.issued_at + dt.timedelta(minutes=i)
    if isinstance(sample, CertificateData):
        return dataclasses.replace(sample, document_id=doc_id, verification_url=url, family_name=f"Kowalenko-{i}",
                                   issued_at=moment)
    info = dataclasses.replace(sample.info, document_id=doc_id, verification_url=url, issued_at=moment)
    if isinstance(sample, ParkingPermitData):
        return dataclasses.replace(sample, info=info, holder_name=f"Olena Kowalenko-{i}")
    return dataclasses.replace(sample, info=info, family_name=f"Kowalenko-{i}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclasses.dataclass
class Run:
    """Timings (ms) of one kind: the warm-up pair (render, sign), then one value per document."""

    kind: str
    warm: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    render: list[float] = dataclasses.field(default_factory=list)
    sign: list[float] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)
    size: int = 0

    @property
    def total(self) -> list[float]:
        return [r + s for r, s in zip(self.render, self.sign, strict=True)]

    def summary(self, key_type: str) -> dict[str, object]:
        return {
            "certificates": len(self.total),
            "render_median_ms": round(statistics.median(self.render), 1),
            "sign_median_ms": round(statistics.median(self.sign), 1),
            "certificate_median_ms": round(statistics.median(self.total), 1),
            "render_p90_ms": round(percentile(self.render, 0.9), 1),
            "sign_p90_ms": round(percentile(self.sign, 0.9), 1),
            "certificate_p90_ms": round(percentile(self.total, 0.9), 1),
            "certificate_cpu_median_ms": round(statistics.median(self.cpu), 1),
            "key_type": key_type,
            "kind": self.kind,
        }


def measure(kind: str, count: int, signer: OfficeSigner, ca_cert: Path) -> Run:
    """Render and sign ``count`` documents of one kind after the warm-up, then check the last one."""
    run = Run(kind)
    signed = b""
    for i in range(WARM_UP + count):
        data = certificate(i, kind)
        c0 = time.process_time()
        t0 = time.perf_counter()
        pdf = render_document(data, OFFICE)
        t1 = time.perf_counter()
        signed = sign_pdf(pdf, signer, reason=signature_reason(data))
        t2 = time.perf_counter()
        if i < WARM_UP:
            run.warm.append(((t1 - t0) * 1000, (t2 - t1) * 1000))
            continue
        run.cpu.append((time.process_time() - c0) * 1000)
        run.render.append((t1 - t0) * 1000)
        run.sign.append((t2 - t1) * 1000)
    run.size = len(signed)
    check = verify_pdf(signed, [ca_cert])
    if not check.ok:
        raise SystemExit(f"signed {kind} does not verify: {check.problem}")
    return run


def write_pngs(kinds: list[str], folder: Path, dpi: int = 90) -> None:
    """The sample of each kind as a PNG, for the documentation (docs/img/certificate-<kind>.png)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            pdf = Path(tmp) / f"{kind}.pdf"
            pdf.write_bytes(render_document(certificate(7, kind), OFFICE))
            target = folder / f"certificate-{kind.replace('_', '-')}"
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(target)], check=True,
                           timeout=60)
            print(f"{target}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--key-type", choices=("ec-p256", "rsa-3072"), default="ec-p256")
    parser.add_argument("--kind", choices=(*SAMPLES, "all"), default="meldebescheinigung",
                        help="which document (default: the Meldebescheinigung); 'all' measures each in turn")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    parser.add_argument("--png", type=Path, metavar="DIR",
                        help="instead: write one page image per kind (certificate-<kind>.png, pdftoppm) to DIR")
    args = parser.parse_args()
    kinds = list(SAMPLES) if args.kind == "all" else [args.kind]
    if args.png:
        write_pngs(kinds, args.png)
        return

    with tempfile.TemporaryDirectory() as tmp:
        pki = ensure_test_pki(Path(tmp) / "pki", key_type=args.key_type)
        t0 = time.perf_counter()
        signer = load_signer(pki.office_p12, location=OFFICE.town, password=pki.password())
        load_ms = (time.perf_counter() - t0) * 1000
        results = [measure(kind, args.certificates, signer, pki.ca_cert) for kind in kinds]

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, key {args.key_type}; load signer: {load_ms:.1f} ms (once)")
    print(f"{'document':<26}{'render med':>11}{'sign med':>10}{'total med':>11}{'total p90':>11}{'CPU':>8}{'KiB':>6}")
    summaries = []
    for run in results:
        line = run.summary(args.key_type)
        summaries.append(line)
        print(f"{run.kind:<26}{line['render_median_ms']:>11}{line['sign_median_ms']:>10}"
              f"{line['certificate_median_ms']:>11}{line['certificate_p90_ms']:>11}"
              f"{line['certificate_cpu_median_ms']:>8}{run.size // 1024:>6}")
    first = results[0].warm[0]
    print(f"{args.certificates} per document after {WARM_UP} warm-up (first: render {first[0]:.0f} ms, sign "
          f"{first[1]:.0f} ms); load average {os.getloadavg()[0]:.1f}; target total median ≤ 200 ms")
    if args.json:
        if len(summaries) == 1:
            print(json.dumps(summaries[0]))
        else:
            worst = max(run.summary(args.key_type)["certificate_median_ms"] for run in results)
            print(json.dumps({"certificate_median_ms": worst, "kinds": {s["kind"]: s for s in summaries}}))


if __name__ == "__main__":
    main()
