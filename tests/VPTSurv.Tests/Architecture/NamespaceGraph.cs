using System.Reflection;
using System.Reflection.Emit;

namespace VPTSurv.Tests.Architecture;

/// <summary>One use of a type of another namespace: <paramref name="From"/> (a type) refers to <paramref name="To"/>.</summary>
/// <param name="From">The referring type (nested and compiler-generated types count as their outermost type).</param>
/// <param name="To">The referenced type.</param>
/// <param name="Where">What holds the reference: a member's signature or a method body.</param>
public sealed record TypeReference(Type From, Type To, string Where)
{
    /// <inheritdoc/>
    public override string ToString() => $"{From.FullName} -> {To.FullName} ({Where})";
}

/// <summary>
/// The namespace dependencies of a compiled assembly, read by reflection: base types, interfaces, the signatures of
/// fields, properties, events and methods, local variables, and every type, method and field token in the method
/// bodies' IL (so a dependency written only inside a method, or through a fully qualified name, is seen too).
/// </summary>
public static class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every reference from a type of <paramref name="assembly"/> to another type of the same assembly.</summary>
    public static IReadOnlyList<TypeReference> References(Assembly assembly) => References(assembly, assembly.GetTypes());

    /// <summary>The references from <paramref name="types"/> to types of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<TypeReference> References(Assembly assembly, IEnumerable<Type> types)
    {
        var found = new List<TypeReference>();
        foreach (var type in types)
        {
            var from = Outermost(type);
            void Add(Type? t, string where)
            {
                foreach (var u in Unwrap(t))
                    if (u.Assembly == assembly && u.Namespace is not null) found.Add(new TypeReference(from, Outermost(u), where));
            }
            Add(type.BaseType, "base type");
            foreach (var i in type.GetInterfaces()) Add(i, "interface");
            foreach (var f in type.GetFields(All)) Add(f.FieldType, $"field {f.Name}");
            foreach (var p in type.GetProperties(All)) Add(p.PropertyType, $"property {p.Name}");
            foreach (var e in type.GetEvents(All)) Add(e.EventHandlerType, $"event {e.Name}");
            foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                if (m is MethodInfo mi) Add(mi.ReturnType, $"{m.Name} return");
                foreach (var p in m.GetParameters()) Add(p.ParameterType, $"{m.Name} parameter {p.Name}");
                var body = m.GetMethodBody();
                if (body is null) continue;
                foreach (var local in body.LocalVariables) Add(local.LocalType, $"{m.Name} local");
                foreach (var member in BodyTokens(m, body.GetILAsByteArray() ?? []))
                {
                    switch (member)
                    {
                        case Type t: Add(t, $"{m.Name} body"); break;
                        case MethodBase callee:
                            Add(callee.DeclaringType, $"{m.Name} body");
                            if (callee is MethodInfo { IsGenericMethod: true } g)
                                foreach (var a in g.GetGenericArguments()) Add(a, $"{m.Name} body");
                            break;
                        case FieldInfo field: Add(field.DeclaringType, $"{m.Name} body"); break;
                    }
                }
            }
        }
        return found;
    }

    /// <summary>The namespace-to-namespace edges of <paramref name="references"/>, each with one example reference.</summary>
    public static IReadOnlyDictionary<(string From, string To), TypeReference> Edges(IEnumerable<TypeReference> references)
    {
        var edges = new Dictionary<(string, string), TypeReference>();
        foreach (var r in references)
            if (r.From.Namespace != r.To.Namespace) edges.TryAdd((r.From.Namespace!, r.To.Namespace!), r);
        return edges;
    }

    private static Type Outermost(Type t)
    {
        while (t.DeclaringType is { } outer) t = outer;
        return t;
    }

    private static IEnumerable<Type> Unwrap(Type? t)
    {
        if (t is null || t.IsGenericParameter) yield break;
        if (t.HasElementType)
        {
            foreach (var u in Unwrap(t.GetElementType())) yield return u;
            yield break;
        }
        if (t.IsGenericType && !t.IsGenericTypeDefinition)
        {
            yield return t.GetGenericTypeDefinition();
            foreach (var a in t.GetGenericArguments())
                foreach (var u in Unwrap(a)) yield return u;
            yield break;
        }
        yield return t;
    }

    /// <summary>The members the IL of <paramref name="method"/> names by token (types, methods, fields).</summary>
    private static IEnumerable<MemberInfo> BodyTokens(MethodBase method, byte[] il)
    {
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int pos = 0;
        while (pos < il.Length)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            if (!OpCodesByValue.TryGetValue(value, out var op))
                throw new InvalidOperationException($"{method.DeclaringType}.{method.Name}: unknown IL opcode 0x{value:X} at {pos}.");
            switch (op.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    int token = BitConverter.ToInt32(il, pos);
                    yield return module.ResolveMember(token, typeArgs, methodArgs)
                        ?? throw new InvalidOperationException($"{method.DeclaringType}.{method.Name}: token 0x{token:X8} does not resolve.");
                    pos += 4;
                    break;
                case OperandType.InlineSwitch:
                    pos += 4 + 4 * BitConverter.ToInt32(il, pos);
                    break;
                default:
                    pos += OperandSize(op.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4, // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
    };
}
