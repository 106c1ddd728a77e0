using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Survival;

/// <summary>The training loss a run uses (<c>TrainingSettings.Loss</c>; config key <c>training.loss</c>).</summary>
public enum SurvivalLossKind
{
    /// <summary>Discrete-time negative log-likelihood of the K hazard logits (the paper's loss).</summary>
    DiscreteTimeNll,

    /// <summary>
    /// Cox partial likelihood (Efron) of the risk -Σ_k S_k from the hazard logits, against a memory bank of past
    /// subjects (<see cref="CoxMemoryBank"/>), so that one bag per step still has a risk set.
    /// </summary>
    CoxMemoryBank,
}

/// <summary>Survival losses on TorchSharp tensors, differentiable with respect to the logits / risk scores.</summary>
public static class SurvivalLoss
{
    /// <summary>
    /// Discrete-time negative log-likelihood (Zadeh and Schmid 2021, in the form of MCAT's <c>nll_loss</c>), mean over
    /// the batch. With hazards h_k = sigmoid(l_k), S_k = prod_{j&lt;=k}(1-h_j), S_{-1} = 1 and the bin y of each subject:
    /// <code>
    ///   uncensored = -e * (log S_{y-1} + log h_y)
    ///   censored   = -(1-e) * log S_y
    ///   loss       = mean( (1-alpha) * (censored + uncensored) + alpha * uncensored )
    /// </code>
    /// All logs are computed from the logits (log h = logsigmoid(l), log(1-h) = logsigmoid(-l)), so nothing is clamped
    /// (MCAT clamps at 1e-7; the two agree wherever the clamp is inactive).
    /// </summary>
    /// <param name="logits">(B, K) logits of the K discrete hazards.</param>
    /// <param name="bin">(B) int64 bin index of each subject's time, 0..K-1 (see <see cref="TimeBins"/>).</param>
    /// <param name="eventObserved">(B) 1 where death was observed, 0 where censored (any float or bool dtype).</param>
    /// <param name="alpha">Extra weight on uncensored subjects, in [0, 1]; 0 is the plain likelihood.</param>
    public static Tensor DiscreteTimeNll(Tensor logits, Tensor bin, Tensor eventObserved, double alpha = 0.0)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(bin);
        ArgumentNullException.ThrowIfNull(eventObserved);
        if (logits.dim() != 2)
            throw new ArgumentException($"logits must be (B, K); got shape ({string.Join(", ", logits.shape)}).", nameof(logits));
        long b = logits.shape[0], k = logits.shape[1];
        CheckVector(bin, b, nameof(bin));
        CheckVector(eventObserved, b, nameof(eventObserved));
        if (bin.dtype != ScalarType.Int64)
            throw new ArgumentException($"bin must be int64; got {bin.dtype}.", nameof(bin));
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in [0, 1].");
        CheckBins(bin, k);

        using var scope = NewDisposeScope();
        var e = eventObserved.to(logits.dtype, logits.device).unsqueeze(1);                  // (B, 1)
        var y = bin.to(logits.device).unsqueeze(1);                                           // (B, 1)
        var logSurvival = nn.functional.logsigmoid(-logits).cumsum(1);                        // (B, K): log S_k
        var logSurvivalPadded = torch.cat([zeros_like(e), logSurvival], 1);                   // (B, K+1): log S_{k-1}
        var logHazardAtY = nn.functional.logsigmoid(logits).gather(1, y);                     // (B, 1)
        var logSurvivalBeforeY = logSurvivalPadded.gather(1, y);                              // (B, 1): log S_{y-1}
        var logSurvivalAtY = logSurvivalPadded.gather(1, y + 1);                              // (B, 1): log S_y
        var uncensored = -e * (logSurvivalBeforeY + logHazardAtY);
        var censored = -(1 - e) * logSurvivalAtY;
        var loss = ((1 - alpha) * (censored + uncensored) + alpha * uncensored).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Negative Cox log partial likelihood of a batch, divided by its number of events (so the scale does not depend
    /// on the batch size). Risk set of an event at t: every subject with time &gt;= t. Ties in time follow
    /// <paramref name="ties"/>: Breslow, or Efron (for d tied deaths at t with total hazard D among risk-set total R,
    /// the l-th death's denominator is R - (l/d) D). Computed stably with log-cumsum-exp.
    /// </summary>
    /// <param name="risk">(B) log hazard ratios (higher = worse), differentiable.</param>
    /// <param name="time">(B) follow-up times (a label; not differentiated).</param>
    /// <param name="eventObserved">(B) 1 where death was observed, 0 where censored.</param>
    /// <param name="ties">Tie handling; Efron by default (as R's coxph).</param>
    /// <exception cref="NoEventsException">The batch has no observed event, so the partial likelihood is empty.</exception>
    public static Tensor CoxPartialLikelihood(Tensor risk, Tensor time, Tensor eventObserved, CoxTies ties = CoxTies.Efron)
    {
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(eventObserved);
        if (risk.dim() != 1)
            throw new ArgumentException($"risk must be (B); got shape ({string.Join(", ", risk.shape)}).", nameof(risk));
        long b = risk.shape[0];
        CheckVector(time, b, nameof(time));
        CheckVector(eventObserved, b, nameof(eventObserved));

        // The grouping of tied times is label bookkeeping: done on the CPU in double, outside autograd.
        double[] t;
        double[] ev;
        using (no_grad())
        {
            using var tc = time.to(ScalarType.Float64, CPU);
            using var ec = eventObserved.to(ScalarType.Float64, CPU);
            t = tc.data<double>().ToArray();
            ev = ec.data<double>().ToArray();
        }
        var eventFlags = new bool[b];
        for (int i = 0; i < b; i++)
        {
            if (!double.IsFinite(t[i]))
                throw new ArgumentException($"time[{i}] = {t[i]}: expected a finite time.", nameof(time));
            eventFlags[i] = ev[i] switch
            {
                0 => false,
                1 => true,
                var v => throw new ArgumentException($"eventObserved[{i}] = {v}: expected 0 or 1.", nameof(eventObserved)),
            };
        }
        var loss = CoxTerms(risk, t, eventFlags, ties, b, out int counted);
        if (counted == 0)
            throw new NoEventsException($"Cox partial likelihood: the batch of {b} subjects has no observed event; use larger batches or the discrete-time loss.");
        return loss;
    }

    /// <summary>
    /// The Cox terms -(r_i - log denominator_i) of the events among the first <paramref name="counted"/> subjects,
    /// summed and divided by their number; the risk sets span all subjects. <paramref name="eventsCounted"/> is
    /// that number (the loss is 0 when it is 0).
    /// </summary>
    internal static Tensor CoxTerms(Tensor risk, double[] t, bool[] eventFlags, CoxTies ties, long counted, out int eventsCounted)
    {
        var plan = CoxRiskSetPlan.Build(t, eventFlags);
        using var scope = NewDisposeScope();
        var device = risk.device;
        var order = tensor(plan.OrderDescending, device: device);                                  // (B)
        var sortedRisk = risk.index_select(0, order);                                             // (B) by time, descending
        var logCum = sortedRisk.logcumsumexp(0);                                                  // (B)
        var groupEnd = tensor(plan.GroupEndOfEvent, device: device);                              // (E): last sorted position of the event's time
        var eventPos = tensor(plan.SortedPositionOfEvent, device: device);                        // (E)
        var eventRisk = sortedRisk.index_select(0, eventPos);                                     // (E)
        var logRiskSet = logCum.index_select(0, groupEnd);                                        // (E): log sum_{t_j >= t_i} exp(r_j)
        var logDenominator = logRiskSet;
        if (ties == CoxTies.Efron && plan.HasTiedEvents)
        {
            // Share of the risk-set total held by the tied deaths: sum_{D} exp(r_j - logR) <= 1, no overflow.
            var groupOfEvent = tensor(plan.GroupOfEvent, device: device);                         // (E)
            var share = zeros(plan.GroupCount, dtype: risk.dtype, device: device)
                .index_add(0, groupOfEvent, (eventRisk - logRiskSet).exp(), 1.0);                     // (G)
            var fraction = tensor(plan.EfronFraction, dtype: risk.dtype, device: device);         // (E): l/d
            logDenominator = logRiskSet + torch.log1p(-fraction * share.index_select(0, groupOfEvent));
        }
        var mask = plan.SortedPositionOfEvent.Select(pos => plan.OrderDescending[pos] < counted).ToArray();
        eventsCounted = mask.Count(m => m);
        var terms = eventRisk - logDenominator;                                                   // (E)
        if (eventsCounted == 0) return (risk.sum() * 0).MoveToOuterDisposeScope();
        var maskT = tensor(mask, device: device).to(risk.dtype);                                  // (E)
        return (-(terms * maskT).sum() / eventsCounted).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Negative log-likelihood of a Weibull model (TorchSurv's <c>weibull.neg_log_likelihood</c>), mean over the
    /// batch: with scale λ = exp(logParams[:, 0]) and shape ρ = exp(logParams[:, 1]),
    /// <code>
    ///   log h(t) = log ρ - log λ + (ρ - 1)(log t - log λ),   H(t) = (t / λ)^ρ,   loss = -mean(e · log h(t) - H(t))
    /// </code>
    /// </summary>
    /// <param name="logParams">(B, 2) log scale and log shape per subject (or (B, 1): log scale, shape 1 = exponential).</param>
    /// <param name="time">(B) follow-up times, &gt; 0.</param>
    /// <param name="eventObserved">(B) 1 where death was observed, 0 where censored.</param>
    public static Tensor WeibullNll(Tensor logParams, Tensor time, Tensor eventObserved)
    {
        ArgumentNullException.ThrowIfNull(logParams);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(eventObserved);
        if (logParams.dim() != 2 || logParams.shape[1] is not (1 or 2))
            throw new ArgumentException($"logParams must be (B, 2) or (B, 1); got shape ({string.Join(", ", logParams.shape)}).", nameof(logParams));
        long b = logParams.shape[0];
        CheckVector(time, b, nameof(time));
        CheckVector(eventObserved, b, nameof(eventObserved));
        using (no_grad())
        {
            using var tc = time.to(ScalarType.Float64, CPU);
            var tv = tc.data<double>().ToArray();
            for (int i = 0; i < tv.Length; i++)
                if (!(tv[i] > 0 && double.IsFinite(tv[i])))
                    throw new ArgumentException($"time[{i}] = {tv[i]}: survival times must be finite and > 0.", nameof(time));
        }
        using var scope = NewDisposeScope();
        var logScale = logParams.select(1, 0);                                                    // (B)
        var logShape = logParams.shape[1] == 2 ? logParams.select(1, 1) : zeros_like(logScale);   // (B)
        var logT = time.to(logParams.dtype, logParams.device).log();                              // (B)
        var e = eventObserved.to(logParams.dtype, logParams.device);                              // (B)
        var shape = logShape.exp();
        var logHazard = logShape - logScale + (shape - 1) * (logT - logScale);
        var cumHazard = (shape * (logT - logScale)).exp();
        return (-(e * logHazard - cumHazard).mean()).MoveToOuterDisposeScope();
    }

    private static void CheckVector(Tensor x, long length, string name)
    {
        if (x.dim() != 1 || x.shape[0] != length)
            throw new ArgumentException($"{name} must be a vector of length {length}; got shape ({string.Join(", ", x.shape)}).", name);
    }

    private static void CheckBins(Tensor bin, long k)
    {
        using var cpu = bin.cpu();
        var values = cpu.data<long>();
        for (int i = 0; i < values.Count; i++)
            if (values[i] < 0 || values[i] >= k)
                throw new ArgumentException($"bin[{i}] = {values[i]} is outside 0..{k - 1} (K = {k} logits).", nameof(bin));
    }
}
