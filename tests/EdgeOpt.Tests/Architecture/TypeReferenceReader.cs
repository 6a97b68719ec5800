using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace EdgeOpt.Tests.ArchitectureChecks;

/// <summary>One use of a type by another in compiled code: both as namespace-qualified names of top-level types.</summary>
internal sealed record TypeReference(string FromType, string FromNamespace, string ToType, string ToNamespace, string Via);

/// <summary>
/// Reads every type reference of an assembly's types from its metadata (System.Reflection.Metadata, no loading):
/// base types, interfaces, field, method, property and local signatures, generic constraints, exception handlers, and
/// the tokens of every IL instruction (types, fields, methods, member references by their parent, method
/// instantiations). Nested and compiler-generated types count as their outermost enclosing type.
/// </summary>
internal sealed class TypeReferenceReader
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    private readonly MetadataReader _md;
    private readonly SignatureCollector _signatures;
    private readonly List<TypeReference> _found = [];
    private (string Type, string Namespace) _from;
    private string _via = "";

    private TypeReferenceReader(MetadataReader md)
    {
        _md = md;
        _signatures = new SignatureCollector(this);
    }

    /// <summary>All references made by types of the assembly at <paramref name="path"/>, self-references excluded.</summary>
    public static IReadOnlyList<TypeReference> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = new TypeReferenceReader(pe.GetMetadataReader());
        foreach (var handle in reader._md.TypeDefinitions) reader.ReadType(handle, pe);
        return reader._found;
    }

    private void ReadType(TypeDefinitionHandle handle, PEReader pe)
    {
        var type = _md.GetTypeDefinition(handle);
        _from = Name(handle);
        Visit(type.BaseType, "base type");
        foreach (var i in type.GetInterfaceImplementations()) Visit(_md.GetInterfaceImplementation(i).Interface, "interface");
        Constraints(type.GetGenericParameters());
        foreach (var f in type.GetFields())
        {
            var field = _md.GetFieldDefinition(f);
            _via = "field " + _md.GetString(field.Name);
            field.DecodeSignature(_signatures, null);
        }
        foreach (var p in type.GetProperties())
        {
            var property = _md.GetPropertyDefinition(p);
            _via = "property " + _md.GetString(property.Name);
            property.DecodeSignature(_signatures, null);
        }
        foreach (var m in type.GetMethods())
        {
            var method = _md.GetMethodDefinition(m);
            var name = _md.GetString(method.Name);
            _via = "signature of " + name;
            method.DecodeSignature(_signatures, null);
            Constraints(method.GetGenericParameters());
            if (method.RelativeVirtualAddress != 0) ReadBody(pe.GetMethodBody(method.RelativeVirtualAddress), name);
        }
    }

    private void Constraints(GenericParameterHandleCollection parameters)
    {
        foreach (var p in parameters)
            foreach (var c in _md.GetGenericParameter(p).GetConstraints())
                Visit(_md.GetGenericParameterConstraint(c).Type, "generic constraint");
    }

    private void ReadBody(MethodBodyBlock body, string method)
    {
        _via = "locals of " + method;
        if (!body.LocalSignature.IsNil) _md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_signatures, null);
        _via = "exception handler in " + method;
        foreach (var region in body.ExceptionRegions)
            if (!region.CatchType.IsNil) Visit(region.CatchType, _via);

        _via = "body of " + method;
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
            switch (Operands[code])
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32(); // read first: `Offset += 4 * ReadInt32()` would add to the old offset
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField:
                    Visit(MetadataTokens.EntityHandle(il.ReadInt32()), _via);
                    break;
                default: // InlineBrTarget, InlineI, ShortInlineR, InlineString, InlineSig
                    il.Offset += 4;
                    break;
            }
        }
    }

    private void Visit(EntityHandle handle, string via)
    {
        if (handle.IsNil) return;
        var saved = _via;
        _via = via;
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                Add(Name((TypeDefinitionHandle)handle));
                break;
            case HandleKind.TypeReference:
                Add(Name((TypeReferenceHandle)handle));
                break;
            case HandleKind.TypeSpecification:
                _md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_signatures, null);
                break;
            case HandleKind.FieldDefinition:
                Add(Name(_md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()));
                break;
            case HandleKind.MethodDefinition:
                Add(Name(_md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()));
                break;
            case HandleKind.MemberReference:
                var member = _md.GetMemberReference((MemberReferenceHandle)handle);
                Visit(member.Parent, via);
                if (member.GetKind() == MemberReferenceKind.Method) member.DecodeMethodSignature(_signatures, null);
                else member.DecodeFieldSignature(_signatures, null);
                break;
            case HandleKind.MethodSpecification:
                var spec = _md.GetMethodSpecification((MethodSpecificationHandle)handle);
                Visit(spec.Method, via);
                spec.DecodeSignature(_signatures, null);
                break;
        }
        _via = saved;
    }

    private void Add((string Type, string Namespace) to)
    {
        if (to.Type != _from.Type) _found.Add(new TypeReference(_from.Type, _from.Namespace, to.Type, to.Namespace, _via));
    }

    // The outermost declaring type stands for nested (and compiler-generated nested) types.
    private (string Type, string Namespace) Name(TypeDefinitionHandle handle)
    {
        var type = _md.GetTypeDefinition(handle);
        while (type.GetDeclaringType() is { IsNil: false } outer) type = _md.GetTypeDefinition(outer);
        var ns = _md.GetString(type.Namespace);
        return (Qualify(ns, _md.GetString(type.Name)), ns);
    }

    private (string Type, string Namespace) Name(TypeReferenceHandle handle)
    {
        var type = _md.GetTypeReference(handle);
        while (type.ResolutionScope.Kind == HandleKind.TypeReference) type = _md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
        var ns = _md.GetString(type.Namespace);
        return (Qualify(ns, _md.GetString(type.Name)), ns);
    }

    private static string Qualify(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

    /// <summary>Decodes signatures for their side effect: every named type met is recorded as a reference.</summary>
    private sealed class SignatureCollector(TypeReferenceReader owner) : ISignatureTypeProvider<object?, object?>
    {
        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            owner.Add(owner.Name(handle));
            return null;
        }

        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            owner.Add(owner.Name(handle));
            return null;
        }

        public object? GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;
        public object? GetSZArrayType(object? elementType) => null;
        public object? GetArrayType(object? elementType, ArrayShape shape) => null;
        public object? GetByReferenceType(object? elementType) => null;
        public object? GetPointerType(object? elementType) => null;
        public object? GetPinnedType(object? elementType) => null;
        public object? GetGenericInstantiation(object? genericType, ImmutableArray<object?> typeArguments) => null;
        public object? GetGenericMethodParameter(object? genericContext, int index) => null;
        public object? GetGenericTypeParameter(object? genericContext, int index) => null;
        public object? GetFunctionPointerType(MethodSignature<object?> signature) => null;
        public object? GetModifiedType(object? modifier, object? unmodifiedType, bool isRequired) => null;
    }
}
