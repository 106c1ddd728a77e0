"""PyTorch's own .pth forms that the encoder fixtures (make_fixtures.py, plain dicts of contiguous tensors) do not
contain, with the values each holds, for PthReaderTests and as seeds of the .pth fuzz run (bench/VPTSurv.Bench):

- module_state_dict.pth: torch.save(module.state_dict()) as a user saves it, an OrderedDict that carries the
  _metadata attribute (pickled as the object's state, BUILD), float32 and float16 weights and an int64 buffer;
- parameters_and_views.pth: an nn.Parameter (_rebuild_parameter), a transposed view and a slice sharing one storage
  (stride and offset), a 0-d tensor and an empty one.

module_state_dict.json / parameters_and_views.json: key -> {dtype, shape, values (row-major, as float64)}.
Run with a Python that has torch: /usr/bin/python3 make_state_dict_fixtures.py
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def reference(state):
    return {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                "values": [float(x) for x in v.detach().double().reshape(-1).tolist()]} for k, v in state.items()}


def save(stem, state):
    torch.save(state, os.path.join(HERE, stem + ".pth"))
    with open(os.path.join(HERE, stem + ".json"), "w") as f:
        json.dump(reference(state), f, indent=1)


def main():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 2), nn.LayerNorm(2), nn.BatchNorm1d(2))
    module[1].half()
    state = module.state_dict()
    assert hasattr(state, "_metadata")
    save("module_state_dict", state)

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    save("parameters_and_views", {
        "param": nn.Parameter(torch.randn(2, 3)),
        "transposed": base.t(),
        "row_slice": base[1:, 1:3],
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
    })


if __name__ == "__main__":
    main()
