using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace VPTSurv.Tests.Architecture;

/// <summary>
/// The public surface of an assembly as sorted text, one line per type and per public or protected member (C#-like
/// signatures with nullability and default values), so that a change to it shows in review as a line diff.
/// </summary>
public static class PublicApi
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(object)] = "object", [typeof(string)] = "string", [typeof(bool)] = "bool",
        [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(short)] = "short", [typeof(ushort)] = "ushort",
        [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long", [typeof(ulong)] = "ulong",
        [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal", [typeof(char)] = "char",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    /// <summary>The lines of <paramref name="assembly"/>'s public surface, sorted ordinally.</summary>
    public static IReadOnlyList<string> Lines(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            string owner = TypeName(type, withNamespace: true);
            lines.Add($"{owner} | {Describe(type)}");
            bool canInherit = !type.IsSealed && !type.IsValueType && !type.IsInterface;
            bool Visible(MethodBase? m) => m is not null && (m.IsPublic || (canInherit && (m.IsFamily || m.IsFamilyOrAssembly)));
            if (type.IsEnum)
            {
                foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                    lines.Add($"{owner}.{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), CultureInfo.InvariantCulture)}");
                continue;
            }
            foreach (var f in type.GetFields(Declared))
            {
                if (!(f.IsPublic || (canInherit && (f.IsFamily || f.IsFamilyOrAssembly)))) continue;
                string value = f.IsLiteral ? $" = {Literal(f.GetRawConstantValue())}" : "";
                string mods = f.IsLiteral ? "const " : (f.IsStatic ? "static " : "") + (f.IsInitOnly ? "readonly " : "");
                lines.Add($"{owner}.{f.Name} | {Access(f.IsPublic)}{mods}field {Name(f.FieldType, nullability.Create(f))}{value}");
            }
            foreach (var p in type.GetProperties(Declared))
            {
                var get = p.GetMethod;
                var set = p.SetMethod;
                bool showGet = Visible(get), showSet = Visible(set);
                if (!showGet && !showSet) continue;
                var any = (showGet ? get : set)!;
                bool init = set is not null && set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
                string accessors = (showGet ? "get; " : "") + (showSet ? (init ? "init; " : "set; ") : "");
                string index = p.GetIndexParameters() is { Length: > 0 } ix ? $"[{Parameters(ix, nullability)}]" : "";
                lines.Add($"{owner}.{p.Name}{index} | {Access(any.IsPublic)}{Modifiers(any)}property {Name(p.PropertyType, nullability.Create(p))} {{ {accessors}}}");
            }
            foreach (var e in type.GetEvents(Declared))
                if (Visible(e.AddMethod))
                    lines.Add($"{owner}.{e.Name} | {Access(e.AddMethod!.IsPublic)}{Modifiers(e.AddMethod!)}event {Name(e.EventHandlerType!, nullability.Create(e))}");
            foreach (var c in type.GetConstructors(Declared))
                if (Visible(c))
                    lines.Add($"{owner}({Parameters(c.GetParameters(), nullability)}) | {Access(c.IsPublic)}constructor");
            foreach (var m in type.GetMethods(Declared))
            {
                if (!Visible(m) || (m.IsSpecialName && !m.Name.StartsWith("op_", StringComparison.Ordinal))) continue;
                if (m.Name.Contains('<', StringComparison.Ordinal)) continue; // compiler-generated (a record's <Clone>$)
                string generic = m.IsGenericMethodDefinition ? $"<{string.Join(", ", m.GetGenericArguments().Select(a => a.Name))}>" : "";
                string extension = m.IsDefined(typeof(ExtensionAttribute), false) ? "this " : "";
                lines.Add($"{owner}.{m.Name}{generic}({extension}{Parameters(m.GetParameters(), nullability)}) | {Access(m.IsPublic)}{Modifiers(m)}method {Name(m.ReturnType, nullability.Create(m.ReturnParameter))}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>
    /// The difference between a committed list and the current one ("- line" removed, "+ line" added, in order), or an
    /// empty string when they are the same.
    /// </summary>
    public static string Diff(IReadOnlyList<string> committed, IReadOnlyList<string> current)
    {
        var before = committed.ToHashSet(StringComparer.Ordinal);
        var after = current.ToHashSet(StringComparer.Ordinal);
        var changes = committed.Where(l => !after.Contains(l)).Select(l => (Line: l, Text: "- " + l))
            .Concat(current.Where(l => !before.Contains(l)).Select(l => (Line: l, Text: "+ " + l)))
            .OrderBy(c => c.Line, StringComparer.Ordinal).ThenBy(c => c.Text, StringComparer.Ordinal)
            .Select(c => c.Text);
        return string.Join("\n", changes);
    }

    private static string Describe(Type t)
    {
        string kind = t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? "struct" : "class";
        if (t.GetMethod("<Clone>$") is not null || (t.IsValueType && t.GetMethod("PrintMembers", Declared) is not null)) kind = "record " + kind;
        string mods = t.IsInterface || t.IsEnum || t.IsValueType ? ""
            : t.IsAbstract && t.IsSealed ? "static " : t.IsAbstract ? "abstract " : t.IsSealed ? "sealed " : "";
        var bases = new List<string>();
        if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum)) bases.Add(Name(b, null));
        if (t.IsEnum) bases.Add(Name(Enum.GetUnderlyingType(t), null));
        var inherited = t.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(t.GetInterfaces().Where(i => !inherited.Contains(i)).Select(i => Name(i, null)).Order(StringComparer.Ordinal));
        return $"{mods}{kind}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}";
    }

    private static string Access(bool isPublic) => isPublic ? "" : "protected ";

    private static string Modifiers(MethodBase m)
    {
        if (m.IsStatic) return "static ";
        if (m.DeclaringType!.IsInterface) return m.IsAbstract ? "" : "default ";
        if (m.IsAbstract) return "abstract ";
        if (!m.IsVirtual) return "";
        bool overrides = m is MethodInfo mi && mi.GetBaseDefinition().DeclaringType != mi.DeclaringType;
        if (overrides) return m.IsFinal ? "sealed override " : "override ";
        return m.IsFinal ? "" : "virtual "; // virtual and final without a base: an interface implementation
    }

    private static string Parameters(ParameterInfo[] parameters, NullabilityInfoContext nullability) => string.Join(", ", parameters.Select(p =>
    {
        string prefix = p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : p.IsDefined(typeof(ParamArrayAttribute), false) ? "params " : "";
        var type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        var raw = p.HasDefaultValue ? p.RawDefaultValue : null;
        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        if (enumType.IsEnum && raw is sbyte or byte or short or ushort or int or uint or long or ulong)
            raw = Enum.ToObject(enumType, raw);
        string value = p.HasDefaultValue ? $" = {Literal(raw)}" : "";
        return $"{prefix}{Name(type, nullability.Create(p))} {p.Name}{value}";
    }));

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        char c => $"'{c}'",
        Enum e => $"{e.GetType().Name}.{e}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Name(Type t, NullabilityInfo? n) => TypeName(t, withNamespace: false, n);

    private static string TypeName(Type t, bool withNamespace, NullabilityInfo? n = null)
    {
        string q = n is { ReadState: NullabilityState.Nullable } && !t.IsValueType ? "?" : "";
        if (t.IsByRef) return TypeName(t.GetElementType()!, withNamespace, n) + "&";
        if (t.IsPointer) return TypeName(t.GetElementType()!, withNamespace) + "*";
        if (t.IsArray) return TypeName(t.GetElementType()!, withNamespace, n?.ElementType) + $"[{new string(',', t.GetArrayRank() - 1)}]" + q;
        if (Nullable.GetUnderlyingType(t) is { } underlying) return TypeName(underlying, withNamespace) + "?";
        if (t.IsGenericParameter) return t.Name + q;
        if (Keywords.TryGetValue(t, out var keyword)) return keyword + q;
        string name = t.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) name = name[..tick];
        if (t.IsNested) name = TypeName(t.DeclaringType!, withNamespace) + "." + name;
        else if (withNamespace && t.Namespace is not null) name = t.Namespace + "." + name;
        if (t.IsGenericType)
        {
            var args = t.GetGenericArguments();
            // A nested type repeats its declaring type's arguments first; show only its own.
            int inheritedArgs = t.IsNested ? t.DeclaringType!.GetGenericArguments().Length : 0;
            var own = args.Skip(inheritedArgs).Select((a, i) => TypeName(a, false, n?.GenericTypeArguments.ElementAtOrDefault(i + inheritedArgs))).ToList();
            if (own.Count > 0) name += $"<{string.Join(", ", own)}>";
        }
        return name + q;
    }
}
