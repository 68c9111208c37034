#!/usr/bin/env python3
"""Convert the authors' SViTT-Ego checkpoint (a torch.save pickle) into an EgoStream model folder.

    python3 model/tools/convert_checkpoint.py svitt-ego.pth --vocab bert-base-uncased/vocab.txt --out models/svitt-ego

Writes OUT/model.safetensors (float32, the released state-dict names unchanged), OUT/vocab.txt (copied) and
OUT/config.json: {"name": "base", "trained": true, "frames": T} (T read off the relative position bias tables) plus
the released evaluation's behaviour, written out: frames resized straight to 224x224 ("resize": "squash"), a text
as [CLS] X with no [SEP] ("special_tokens": "cls"), and no pruning in the fusion encoder ("fusion_keep_rate": 1;
the released configs set q_m under a key the released code never reads). Every other field comes from the base
preset. Needs only torch and numpy, and runs wherever the checkpoint is: the conversion is a one-time step, the Java
side never unpickles anything.

Dropped on the way, because the released loader drops or never uses them: the relative_position_index and
position_ids buffers (recomputed from the config), the MLM head (text_encoder.cls.*) and momentum-encoder copies
(*_m.*). Everything else is kept, so the Java loader can name any key it does not expect.
"""
import argparse
import json
import math
import os
import shutil
import struct

import numpy as np
import torch

DROPPED_SUFFIXES = (".relative_position_index", ".position_ids")
# How the released evaluation runs the model (see the module docstring); config.json records it.
RELEASED_BEHAVIOUR = {"resize": "squash", "special_tokens": "cls", "fusion_keep_rate": 1.0}
DROPPED_PREFIXES = ("text_encoder.cls.",)


def state_dict_of(checkpoint):
    for key in ("model", "state_dict", "module"):
        if isinstance(checkpoint, dict) and key in checkpoint and isinstance(checkpoint[key], dict):
            return checkpoint[key]
    return checkpoint


def keep(name):
    if name.endswith(DROPPED_SUFFIXES) or name.startswith(DROPPED_PREFIXES):
        return False
    return not any(part.endswith("_m") for part in name.split("."))


def frames_from_tables(tensors, grid=14):
    for name, array in tensors.items():
        if name.endswith("relative_position_bias_table"):
            rows = array.shape[0] - 3
            time_offsets = rows / ((2 * grid - 1) ** 2)
            if time_offsets != math.floor(time_offsets):
                raise SystemExit(f"{name} has {array.shape[0]} rows: not a 3D table over a {grid}x{grid} grid")
            return int((time_offsets + 1) // 2)
    raise SystemExit("no relative_position_bias_table in the checkpoint: is this a SViTT checkpoint?")


def write_safetensors(tensors, path):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, array in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # align the data to 8 bytes, as the reference writer does
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for array in tensors.values():
            out.write(array.astype("<f4", copy=False).tobytes(order="C"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="svitt-ego.pth (torch.save pickle)")
    parser.add_argument("--vocab", required=True, help="bert-base-uncased vocab.txt (30522 lines)")
    parser.add_argument("--out", required=True, help="model folder to write")
    args = parser.parse_args()

    checkpoint = torch.load(args.checkpoint, map_location="cpu")
    state = state_dict_of(checkpoint)
    tensors, dropped = {}, []
    for name, value in state.items():
        name = name[len("module."):] if name.startswith("module.") else name
        if not torch.is_tensor(value) or not keep(name):
            dropped.append(name)
            continue
        tensors[name] = value.detach().to(torch.float32).contiguous().numpy()
    frames = frames_from_tables(tensors)

    os.makedirs(args.out, exist_ok=True)
    write_safetensors(tensors, os.path.join(args.out, "model.safetensors"))
    shutil.copyfile(args.vocab, os.path.join(args.out, "vocab.txt"))
    with open(os.path.join(args.out, "config.json"), "w") as out:
        json.dump({"name": "base", "trained": True, "frames": frames, **RELEASED_BEHAVIOUR}, out, indent=2)
    print(f"wrote {len(tensors)} tensors ({sum(a.size for a in tensors.values()) / 1e6:.1f} M parameters, "
          f"{frames} frames) to {args.out}; dropped {len(dropped)}: {', '.join(dropped[:8])}"
          f"{' ...' if len(dropped) > 8 else ''}")


if __name__ == "__main__":
    main()
