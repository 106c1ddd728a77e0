namespace VPTSurv.Tests.Architecture;

/// <summary>
/// An order of namespace layers, lowest first: a namespace may use its own layer and earlier ones, never a later one,
/// and no namespaces may use each other in a cycle (inside a layer either). A namespace belongs to the layer that names
/// it or its closest enclosing namespace (<c>VPTSurv.Slides</c> holds <c>VPTSurv.Slides.Synthetic</c>).
/// </summary>
/// <param name="Layers">Namespace roots per layer, lowest first.</param>
public sealed record NamespaceLayers(IReadOnlyList<string[]> Layers)
{
    /// <summary>The layer of <paramref name="ns"/>, or null when no layer holds it.</summary>
    public int? LayerOf(string ns)
    {
        var best = Layers.SelectMany((roots, layer) => roots.Select(root => (root, layer)))
            .Where(x => ns == x.root || ns.StartsWith(x.root + ".", StringComparison.Ordinal))
            .OrderByDescending(x => x.root.Length)
            .Select(x => (int?)x.layer)
            .FirstOrDefault();
        return best;
    }

    /// <summary>
    /// What breaks the order in <paramref name="edges"/> (namespace to namespace, with one reference each as evidence):
    /// namespaces of no layer, uses of a later layer, and cycles. Empty when the order holds.
    /// </summary>
    public IReadOnlyList<string> Violations(IReadOnlyDictionary<(string From, string To), TypeReference> edges)
    {
        var problems = new List<string>();
        var names = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var ns in names)
            if (LayerOf(ns) is null) problems.Add($"namespace {ns} is in no layer");
        foreach (var ((from, to), example) in edges.OrderBy(e => e.Key.From, StringComparer.Ordinal).ThenBy(e => e.Key.To, StringComparer.Ordinal))
            if (LayerOf(from) is int a && LayerOf(to) is int b && b > a)
                problems.Add($"{from} (layer {a}) uses the later {to} (layer {b}), e.g. {example}");
        foreach (var cycle in Cycles(names, edges.Keys))
            problems.Add($"namespaces depend on each other in a cycle: {string.Join(" <-> ", cycle)}");
        return problems;
    }

    /// <summary>The strongly connected components of more than one namespace (Tarjan's algorithm).</summary>
    private static IEnumerable<IReadOnlyList<string>> Cycles(IReadOnlyList<string> nodes, IEnumerable<(string From, string To)> edges)
    {
        var next = nodes.ToDictionary(n => n, _ => new List<string>());
        foreach (var (from, to) in edges) next[from].Add(to);
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<IReadOnlyList<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) components.Add([.. component.Order(StringComparer.Ordinal)]);
        }
        foreach (var n in nodes)
            if (!index.ContainsKey(n)) Visit(n);
        return components;
    }
}
