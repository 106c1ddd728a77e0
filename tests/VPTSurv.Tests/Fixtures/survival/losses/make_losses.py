"""PyTorch references for SurvivalLoss.WeibullNll, CoxPartialLikelihood and CoxMemoryBank.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 make_losses.py   -> losses.json
Each loss is written here directly from its formula with explicit loops over subjects (not the vectorised
log-cumsum-exp form of the C# code), in float64; autograd gives the gradients. The tests never need Python.
"""
import json
import torch

torch.manual_seed(20261206)
out = {"torch_version": torch.__version__}

# Weibull NLL (TorchSurv parameterisation): log scale, log shape per subject.
B = 8
log_params = (torch.randn(B, 2, dtype=torch.float64) * 0.5).requires_grad_(True)
time = torch.tensor([0.5, 1.2, 2.0, 2.0, 3.1, 0.7, 4.4, 1.9], dtype=torch.float64)
event = torch.tensor([1, 0, 1, 1, 0, 1, 0, 1], dtype=torch.float64)
terms = []
for i in range(B):
    lam, rho = log_params[i, 0].exp(), log_params[i, 1].exp()
    h = (rho / lam) * (time[i] / lam) ** (rho - 1)
    H = (time[i] / lam) ** rho
    terms.append(event[i] * torch.log(h) - H)
loss = -torch.stack(terms).mean()
loss.backward()
out["weibull"] = {"log_params": log_params.detach().tolist(), "time": time.tolist(), "event": event.tolist(),
                  "loss": loss.item(), "grad": log_params.grad.tolist()}


def cox_direct(risk, time, event, ties, counted):
    """-(1/E) sum over events i < counted of (r_i - log denominator), risk sets over all subjects."""
    total, n_events = 0, 0
    times = sorted(set(time[j].item() for j in range(len(time)) if event[j] == 1))
    for s in times:
        dead = [j for j in range(len(time)) if time[j] == s and event[j] == 1]
        at_risk = [j for j in range(len(time)) if time[j] >= s]
        R = sum(torch.exp(risk[j]) for j in at_risk)
        D = sum(torch.exp(risk[j]) for j in dead)
        for l, j in enumerate(dead):
            denom = R - (l / len(dead)) * D if ties == "efron" else R
            if j < counted:
                total = total + risk[j] - torch.log(denom)
                n_events += 1
    return -total / n_events if n_events else risk.sum() * 0


N = 10
risk0 = torch.randn(N, dtype=torch.float64)
ctime = torch.tensor([1, 2, 2, 2, 3, 4, 4, 5, 6, 6], dtype=torch.float64)
cevent = torch.tensor([1, 1, 1, 0, 0, 1, 1, 0, 1, 0], dtype=torch.float64)
out["cox"] = {"risk": risk0.tolist(), "time": ctime.tolist(), "event": cevent.tolist()}
for ties in ["breslow", "efron"]:
    r = risk0.clone().requires_grad_(True)
    l = cox_direct(r, ctime, cevent, ties, N)
    l.backward()
    out["cox"][ties] = {"loss": l.item(), "grad": r.grad.tolist()}

# Memory bank: batches of 2, capacity 4, Efron; the bank holds detached past risks, and the events of batch and bank
# are all counted (TorchSurv's Momentum: the loss over the union; gradients reach the batch through the risk sets).
bank_r, bank_t, bank_e = [], [], []
steps = []
for k in range(4):
    r = risk0[2 * k: 2 * k + 2].clone().requires_grad_(True)
    t = ctime[2 * k: 2 * k + 2]
    e = cevent[2 * k: 2 * k + 2]
    allr = torch.cat([r, torch.tensor(bank_r, dtype=torch.float64)])
    allt = torch.cat([t, torch.tensor(bank_t, dtype=torch.float64)])
    alle = torch.cat([e, torch.tensor(bank_e, dtype=torch.float64)])
    l = cox_direct(allr, allt, alle, "efron", len(allr))
    l.backward()
    steps.append({"risk": r.detach().tolist(), "time": t.tolist(), "event": e.tolist(), "loss": l.item(),
                  "grad": r.grad.tolist()})
    for i in range(2):
        bank_r.append(r[i].item()); bank_t.append(t[i].item()); bank_e.append(e[i].item())
        if len(bank_r) > 4:
            bank_r.pop(0); bank_t.pop(0); bank_e.pop(0)
out["memory_bank"] = {"capacity": 4, "steps": steps}

with open("losses.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote losses.json")
