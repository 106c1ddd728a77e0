using static TorchSharp.torch;

namespace VPTSurv.Survival;

/// <summary>
/// A Cox partial-likelihood loss for small batches with a memory bank of past risk scores (CoxMB, Shahin et al. 2023;
/// the memory-bank idea of TorchSurv's <c>Momentum</c>, without its EMA target network): the current batch's risks
/// (differentiable) are joined by the last <see cref="Capacity"/> risks, times and events seen (detached), the risk
/// sets span both, and the Cox terms of every event in the union are counted (divided by their number), as TorchSurv's
/// <c>Momentum</c> does: a bank event's term carries no gradient to its own (detached) risk, but its denominator holds the
/// current subjects still at risk at its time, so a current subject that outlived a bank event is pushed down. Counting
/// only the current batch's events would leave a censored subject (with one bag per step, every censored step) without
/// a gradient and push every event's risk up against a stale bank: on synthetic-cd4 (two-stage, one bag per step) the
/// loss then rose from 2.4 to 3.4 over 10 epochs and the model did not learn. After each call the batch enters the bank
/// (oldest out first). With one bag per step this still gives a Cox loss: its risk is ranked against the bank. Not thread-safe; one bank per training run. Its <see cref="Entries"/> are saved in training
/// checkpoints and put back with <see cref="Restore"/>, so a resumed run continues with the same bank.
/// </summary>
/// <param name="Capacity">Past subjects kept (at least 1).</param>
/// <param name="Ties">Tie handling (Efron by default).</param>
public sealed record CoxMemoryBank(int Capacity = 256, CoxTies Ties = CoxTies.Efron)
{
    private readonly Queue<CoxMemoryEntry> _bank = new();

    /// <summary>Subjects currently in the bank.</summary>
    public int Count => _bank.Count;

    /// <summary>The bank's subjects, oldest first (a copy).</summary>
    public IReadOnlyList<CoxMemoryEntry> Entries => [.. _bank];

    /// <summary>Replaces the bank's content by <paramref name="entries"/> (oldest first), e.g. from a checkpoint.</summary>
    /// <exception cref="ArgumentException">More entries than <see cref="Capacity"/>, or a risk or time not finite (index named).</exception>
    public void Restore(IReadOnlyList<CoxMemoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > Capacity)
            throw new ArgumentException($"{entries.Count} entries do not fit a bank of capacity {Capacity}.", nameof(entries));
        for (int i = 0; i < entries.Count; i++)
            if (!double.IsFinite(entries[i].Risk) || !double.IsFinite(entries[i].Time))
                throw new ArgumentException($"entries[{i}] = {entries[i]}: risk and time must be finite.", nameof(entries));
        _bank.Clear();
        foreach (var e in entries) _bank.Enqueue(e);
    }

    /// <summary>The loss of the current batch against itself and the bank; then the batch enters the bank.</summary>
    /// <param name="risk">(B) log hazard ratios (higher = worse), differentiable.</param>
    /// <param name="time">(B) follow-up times.</param>
    /// <param name="eventObserved">(B) 1 where death was observed, 0 where censored.</param>
    /// <returns>A scalar; 0 (still attached to <paramref name="risk"/>) when neither the batch nor the bank has an event.</returns>
    public Tensor Loss(Tensor risk, Tensor time, Tensor eventObserved)
    {
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(eventObserved);
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        if (risk.dim() != 1)
            throw new ArgumentException($"risk must be (B); got shape ({string.Join(", ", risk.shape)}).", nameof(risk));
        long b = risk.shape[0];
        double[] t, ev, r;
        using (no_grad())
        {
            using var tc = time.to(ScalarType.Float64, CPU);
            using var ec = eventObserved.to(ScalarType.Float64, CPU);
            using var rc = risk.detach().to(ScalarType.Float64, CPU);
            t = tc.data<double>().ToArray();
            ev = ec.data<double>().ToArray();
            r = rc.data<double>().ToArray();
        }
        if (t.Length != b || ev.Length != b)
            throw new ArgumentException($"time and eventObserved must have {b} entries like risk.", t.Length != b ? nameof(time) : nameof(eventObserved));
        var flags = new bool[b + _bank.Count];
        var times = new double[b + _bank.Count];
        for (int i = 0; i < b; i++)
        {
            if (!double.IsFinite(t[i])) throw new ArgumentException($"time[{i}] = {t[i]}: expected a finite time.", nameof(time));
            flags[i] = ev[i] switch
            {
                0 => false,
                1 => true,
                var v => throw new ArgumentException($"eventObserved[{i}] = {v}: expected 0 or 1.", nameof(eventObserved)),
            };
            times[i] = t[i];
        }
        int k = (int)b;
        var bankRisk = new double[_bank.Count];
        foreach (var (pr, pt, pe) in _bank) { bankRisk[k - b] = pr; times[k] = pt; flags[k] = pe; k++; }
        using var scope = NewDisposeScope();
        var all = _bank.Count == 0 ? risk : cat([risk, tensor(bankRisk, dtype: risk.dtype, device: risk.device)], 0);
        var loss = SurvivalLoss.CoxTerms(all, times, flags, Ties, times.Length, out _);
        for (int i = 0; i < b; i++)
        {
            _bank.Enqueue(new CoxMemoryEntry(r[i], t[i], flags[i]));
            if (_bank.Count > Capacity) _bank.Dequeue();
        }
        return loss.MoveToOuterDisposeScope();
    }
}

/// <summary>One past subject in a <see cref="CoxMemoryBank"/>.</summary>
/// <param name="Risk">Its risk score when it was seen (detached).</param>
/// <param name="Time">Its follow-up time.</param>
/// <param name="Event">Whether its death was observed.</param>
public readonly record struct CoxMemoryEntry(double Risk, double Time, bool Event);
