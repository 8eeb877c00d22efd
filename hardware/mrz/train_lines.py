"""Training data and training of the line recogniser (``lines.py``): whole lines, CTC loss.

The strips are cut exactly as the reader cuts them: frames from the test generator ``tests/mrzgen`` (webcam and,
for a quarter, hard conditions; seeds from 200 000 on, away from every evaluation seed), the band the reader's
own detection finds on the MRZ, rectified at the true layout length and at a length off by up to 6 %. So, unlike
the glyph classifier (``train.py``, own renderer), **this model has seen the generator the benchmark uses** (not
its frames): its share of the benchmark figures is the less independent one (``docs/mrz.md``). The same network
trained on ``train.py``'s independent renderer read far fewer frames (``docs/mrz.md``, "Tried and kept out").

Training needs PyTorch, which the app does not (``pip install torch``; about 25 minutes on two cores for
``half``, 40 for ``fine``, 35 for ``context``): ``python -m hardware.mrz.train_lines [half|fine|context]
[ONNX_PATH]`` writes the model the reader loads (``lines.MODELS``: ``line_ctc.onnx``, ``line_ctc_fine.onnx``,
``line_ctc_context.onnx``); a retrained model is of the same kind, not bit-identical (threads and the order in
which the data's worker processes finish change the order of floating-point sums and samples). Import torch
before cv2 in a process that trains: loaded the other way round, their OpenMP runtimes deadlocked in the first
backward pass here.

``context`` is the fine model with two dilated residual layers (an output sees about ten characters instead of
three). Context could learn the generator's names, so half of its frames carry random letter strings as names
(``tests.mrzgen.identities``' ``random`` lists) and its frames are other seeds (300 000 on).
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

from .lines import ALPHABET, MODELS, normalise, scaled, strips

N_FRAMES = 6000  # about 26 000 strips
EPOCHS = 5
KINDS = ("TD1", "TD2", "TD3")
SIZES = ((1280, 720), (1280, 720), (960, 540), (640, 480))


# per model: frames, first seed, epochs, and whether odd seeds carry random names
RECIPES = {"half": (N_FRAMES, 200_000, EPOCHS, False), "fine": (N_FRAMES, 200_000, EPOCHS, False),
           "context": (5000, 300_000, 5, True)}


def _strips_of_frame(seed: int, model: str = "half") -> list[tuple[np.ndarray, str]]:
    """The reader's strips of one generated frame (true length and one length off), with the printed lines."""
    import random

    from tests.mrzgen.scenes import make_sample

    from .locate import find_bands
    from .reader import detect_widths, to_gray

    rng = random.Random(seed * 7 + 1)
    level = "hard" if rng.random() < 0.25 else "webcam"
    names = "random" if RECIPES[model][3] and seed % 2 else "list"
    sample = make_sample(seed, kind=KINDS[seed % 3], size=SIZES[seed % 4], level=level, names=names)
    gray = to_gray(sample.frame)
    truth = sample.identity.lines
    quad = sample.mrz_quad.astype(np.float32)
    centre = lambda b: tuple(map(float, b.quad.mean(axis=0)))  # noqa: E731
    bands = [b for w in detect_widths(gray) for b in find_bands(gray, w)[:3]
             if b.count == len(truth) and cv2.pointPolygonTest(quad, centre(b), False) >= 0]
    if not bands:
        return []
    out = []
    for f in (1.0, rng.uniform(0.94, 1.06)):
        images = strips(gray, scaled(bands[0], f) if f != 1.0 else bands[0], len(truth[0]), model=model)
        if images:
            out += [(img.astype(np.uint8), text) for img, text in zip(images, truth, strict=True)]
    return out


def make_dataset(n_frames: int = N_FRAMES, seed: int = 200_000, model: str = "half") -> tuple[np.ndarray, list[str]]:
    cut = partial(_strips_of_frame, model=model)
    with Pool() as pool:
        rows = [r for rs in pool.imap_unordered(cut, range(seed, seed + n_frames), chunksize=16)
                for r in rs]
    return np.stack([r[0] for r in rows]), [r[1] for r in rows]


def train(x: np.ndarray, texts: list[str], epochs: int = EPOCHS, seed: int = 0, log: bool = True,
          context: bool = False):
    """The network (a torch module) for strips like ``x`` (n, rows, columns), trained with CTC; torch is imported
    here only. ``context``: two dilated residual layers after the row collapse."""
    import torch
    from torch import nn

    rows = x.shape[1] // 4  # left after the two poolings
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)  # after a fork (the data's Pool) torch may settle for one thread

    def block(cin: int, cout: int, k: tuple[int, int] | int, pad: tuple[int, int] | int,
              dilation: tuple[int, int] | int = 1) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, dilation=dilation), nn.BatchNorm2d(cout), nn.ReLU())

    class Residual(nn.Module):
        """A dilated layer along the line, added to its input: context without losing the glyph's own output."""

        def __init__(self, d: int) -> None:
            super().__init__()
            self.b = block(128, 128, (1, 3), (0, d), (1, d))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.b(x)

    class LineNet(nn.Module):
        """Convolutions only (no recurrence): the strip's rows collapse to one, one output per 2 input columns,
        which sees about three characters - enough for a glyph, too little to learn words (with ``context``
        about ten)."""

        def __init__(self) -> None:
            super().__init__()
            wide = [Residual(3), Residual(9)] if context else []
            self.net = nn.Sequential(
                block(1, 16, 3, 1), nn.MaxPool2d(2),
                block(16, 32, 3, 1), block(32, 32, 3, 1), nn.MaxPool2d((2, 1)),
                block(32, 64, 3, 1), block(64, 128, (rows, 1), 0), block(128, 128, (1, 3), (0, 1)),
                *wide, nn.Conv2d(128, len(ALPHABET) + 1, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.net(x)

    xs = torch.from_numpy(normalise(x.astype(np.float32)))[:, None]
    targets = [torch.tensor([ALPHABET.index(c) + 1 for c in t]) for t in texts]
    model = LineNet()
    batch = 64
    steps = epochs * (len(texts) // batch)
    opt = torch.optim.AdamW(model.parameters(), 2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    t0, step = time.time(), 0
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(texts))
        for i in range(0, len(texts) - batch + 1, batch):
            idx = order[i:i + batch]
            xb = xs[idx] * (0.8 + 0.4 * torch.rand(batch, 1, 1, 1)) + 0.3 * torch.randn(batch, 1, 1, 1)
            xb = torch.roll(xb, int(torch.randint(-6, 7, (1,))), dims=3)  # the line a few px earlier or later
            y = model(xb)[:, :, 0, :].permute(2, 0, 1).log_softmax(2)  # time, batch, classes
            tg = [targets[j] for j in idx.tolist()]
            loss = ctc(y, torch.cat(tg), torch.full((batch,), y.shape[0], dtype=torch.long),
                       torch.tensor([len(t) for t in tg]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if log and step % 200 == 0:
                print(f"epoch {epoch} step {step}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f} s", flush=True)
    return model.eval()


def export(model, path: Path, geometry: str = "half") -> None:  # model: a torch module (torch is optional)
    import torch

    m = MODELS[geometry]
    torch.onnx.export(model, torch.zeros(1, 1, m.strip_h, m.strip_w), str(path), opset_version=13, dynamo=False,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})


def main(argv: list[str]) -> int:
    model = argv[0] if argv else "half"
    if model not in MODELS:
        print(f"usage: python -m hardware.mrz.train_lines [{'|'.join(MODELS)}] [ONNX_PATH]", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else MODELS[model].path
    n_frames, seed, epochs, _ = RECIPES[model]
    x, texts = make_dataset(n_frames, seed, model=model)
    export(train(x, texts, epochs, context=model == "context"), out, model)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
