namespace VPTSurv.Survival;

/// <summary>How tied event times enter the Cox partial likelihood.</summary>
public enum CoxTies
{
    /// <summary>Breslow: every death at a tied time sees the full risk set.</summary>
    Breslow,

    /// <summary>Efron: tied deaths leave the risk set gradually (R's <c>coxph</c> default); exact for no ties.</summary>
    Efron,
}
