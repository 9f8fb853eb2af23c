#!/usr/bin/env python3
"""
Extract the command-line contract of TRL's training scripts (with the transformers TrainingArguments they extend),
`accelerate launch` and `vllm serve` from their REAL sources, without importing them (no torch needed), into
contract.json beside this file. The test stand-ins (test/fixtures/standins) load that JSON and refuse what these
parsers refuse: unknown flags, wrong arity, bad values of typed or choice-restricted flags.

    python3 extract.py --trl 1.9.0=SRC --trl 1.13.0=SRC --transformers 5.17.0=SRC --accelerate 1.15.0=SRC \
        --vllm 0.20.2+9aaf83e=SRC --note KEY=TEXT ... --out contract.json

SRC is a folder holding the package folder (trl/, transformers/, accelerate/, vllm/ — an unpacked wheel, or a git
checkout; `src/<pkg>` is looked for too). --note records where each source came from (git commit, wheel hash).
README.md beside this file says how the committed JSON was made. Only the stdlib is used.

The rules reproduced (each checked against the parser source it comes from; the script stops if that source no
longer contains the lines the rule was read from):
  - TRL's TrlParser is the HfArgumentParser vendored in trl/scripts/_hf_argparser.py: plain `bool` fields take an
    optional value (nargs "?", const True); `bool | None` fields with default None take exactly one value; a bool
    defaulting to True also gets `--no_<name>`; `list[...]` → nargs "+"; Literal / Enum → choices; `Union[X, str]`
    → X; `X | None` → X (and "none"/"null" accepted for non-str X); field metadata (choices, nargs, const,
    aliases) is passed to argparse as is. `--name` and `--name-with-dashes` both exist. allow_abbrev is argparse's
    default (on).
  - `python -m trl.scripts.<cmd>`: parse_args_and_config(fail_with_unknown_args=False) → parse_known_args, and any
    remaining string raises ValueError("Some specified arguments are not used by the HfArgumentParser").
  - `trl <cmd>` (trl/cli): the script's parser runs with return_remaining_strings=True; what it does not know goes
    to `accelerate launch` as launch arguments (with `--accelerate_config X` turned into `--config_file`).
  - accelerate launch: the add_argument calls of launch_command_parser (allow_abbrev=False).
  - vLLM: FlexibleArgumentParser (underscores → dashes in flag names, `--model` moved to the positional slot for
    `serve`, `--x.y` JSON keys) over make_arg_parser: explicit add_argument calls plus the kwargs _compute_kwargs
    derives from the config dataclasses' type hints (bool → BooleanOptionalAction, {bool,str,None} → nargs "?",
    Literal → choices unless str is allowed too, list/set/tuple → nargs "+", None allowed → "" / "None" accepted).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import sys
from pathlib import Path

MISSING = object()


class ExtractError(Exception):
    pass


# ------------------------------------------------------------------------------------------------------------------
# sources
# ------------------------------------------------------------------------------------------------------------------

class Source:
    """One package version's source tree; records every file read (path + sha256) for the JSON."""

    def __init__(self, pkg: str, version: str, root: str):
        self.pkg, self.version = pkg, version
        base = Path(root)
        for cand in (base / pkg, base / 'src' / pkg):
            if (cand / '__init__.py').exists():
                self.pkg_dir = cand
                break
        else:
            raise ExtractError(f'{pkg} {version}: no {pkg}/__init__.py under {root}')
        self.root = self.pkg_dir.parent
        self.read: dict[str, str] = {}
        self._trees: dict[str, ast.Module] = {}

    def path(self, rel: str) -> Path:
        return self.pkg_dir / rel

    def exists(self, rel: str) -> bool:
        return self.path(rel).exists()

    def text(self, rel: str) -> str:
        p = self.path(rel)
        if not p.exists():
            raise ExtractError(f'{self.pkg} {self.version}: {self.pkg}/{rel} not found')
        data = p.read_bytes()
        self.read[f'{self.pkg}/{rel}'] = hashlib.sha256(data).hexdigest()[:16]
        return data.decode('utf-8')

    def tree(self, rel: str) -> ast.Module:
        if rel not in self._trees:
            self._trees[rel] = ast.parse(self.text(rel), filename=rel)
        return self._trees[rel]

    def require(self, rel: str, *snippets: str) -> None:
        """Stop if the parser source no longer has the lines a rule here was read from."""
        t = self.text(rel)
        norm = re.sub(r'\s+', ' ', t)
        for s in snippets:
            if re.sub(r'\s+', ' ', s) not in norm:
                raise ExtractError(f'{self.pkg} {self.version}: {self.pkg}/{rel} no longer contains {s!r}; re-read it and update extract.py')

    def runnable_module(self, module: str) -> dict:
        """What `python -m module` does: runs (a __main__ guard or __main__.py), or Python's own error."""
        parts = module.split('.')
        assert parts[0] == self.pkg
        rel = '/'.join(parts[1:])
        if rel and self.exists(rel + '.py'):
            ok = re.search(r'^if __name__ == ["\']__main__["\']', self.text(rel + '.py'), re.M) is not None
            return {'runs': ok} if ok else {'runs': True, 'note': 'module has no __main__ guard: runs without doing anything'}
        pkg_dir = (rel + '/') if rel else ''
        if self.exists(pkg_dir + '__init__.py'):
            if self.exists(pkg_dir + '__main__.py'):
                return {'runs': True}
            return {'runs': False, 'error': f"No module named {module}.__main__; '{module}' is a package and cannot be directly executed"}
        return {'runs': False, 'error': f'No module named {module}'}


# ------------------------------------------------------------------------------------------------------------------
# a small static type model of the Python annotations we meet
# ------------------------------------------------------------------------------------------------------------------

BUILTIN_NAMES = {'bool', 'int', 'float', 'str', 'dict', 'list', 'tuple', 'set', 'frozenset', 'bytes'}


class T:
    """kind: bool int float str dict list tuple set none literal enum dataclass other any union"""

    def __init__(self, kind: str, args: list | None = None, name: str | None = None, values: list | None = None):
        self.kind, self.args, self.name, self.values = kind, args or [], name, values

    def __repr__(self) -> str:
        return f'T({self.kind},{self.name},{self.args},{self.values})'


class Index:
    """Classes (dataclass fields, enums) and module-level type aliases of the files scanned."""

    def __init__(self) -> None:
        self.classes: dict[str, dict] = {}
        self.aliases: dict[str, ast.AST] = {}
        self.unresolved: set[str] = set()

    def scan(self, mod: ast.Module) -> None:
        for node in mod.body:
            if isinstance(node, ast.ClassDef):
                self._class(node)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if _looks_like_type(node.value):
                    self.aliases.setdefault(node.targets[0].id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                if _src(node.annotation).endswith('TypeAlias'):
                    self.aliases.setdefault(node.target.id, node.value)
            elif getattr(ast, 'TypeAlias', None) and isinstance(node, ast.TypeAlias):  # 3.12 `type X = ...`
                self.aliases.setdefault(node.name.id, node.value)

    def _class(self, node: ast.ClassDef) -> None:
        bases = [_src(b) for b in node.bases]
        decos = [_src(d) for d in node.decorator_list]
        fields = []
        enum_values = []
        for st in node.body:
            if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
                ann = _src(st.annotation)
                if 'ClassVar' in ann or 'InitVar' in ann:
                    continue
                fields.append({'name': st.target.id, 'ann': st.annotation, 'value': st.value})
            elif isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
                if isinstance(st.value, ast.Constant) and not st.targets[0].id.startswith('_'):
                    enum_values.append(st.value.value)
        is_enum = any(b.split('.')[-1] in ('Enum', 'ExplicitEnum', 'StrEnum', 'IntEnum') for b in bases)
        is_dc = any(d.split('(')[0].split('.')[-1] in ('dataclass', 'config') for d in decos)
        # the first definition of a name wins (the scanned files are given most specific first)
        self.classes.setdefault(node.name, {'bases': bases, 'fields': fields, 'enum': enum_values if is_enum else None, 'dataclass': is_dc, 'node': node})

    def is_enum(self, name: str) -> bool:
        c = self.classes.get(name)
        if not c:
            return False
        if c['enum'] is not None:
            return True
        return any(self.is_enum(b.split('.')[-1]) for b in c['bases'])

    def enum_values(self, name: str) -> list:
        c = self.classes[name]
        vals = list(c['enum'] or [])
        for b in c['bases']:
            bn = b.split('.')[-1]
            if bn in self.classes and self.is_enum(bn):
                vals = self.enum_values(bn) + vals
        return vals

    def dataclass_fields(self, name: str) -> list[dict]:
        """Fields in dataclass order: the bases' first; a redefinition keeps its place and takes the new type/default."""
        c = self.classes.get(name)
        if not c:
            raise ExtractError(f'class {name} not found in the scanned sources')
        out: list[dict] = []
        for b in c['bases']:
            bn = b.split('.')[-1]
            if bn in self.classes and self.classes[bn]['fields']:
                for f in self.dataclass_fields(bn):
                    out.append(f)
        for f in c['fields']:
            for i, g in enumerate(out):
                if g['name'] == f['name']:
                    out[i] = f
                    break
            else:
                out.append(f)
        return out

    # -- annotation evaluation -------------------------------------------------------------------------------------
    def type_of(self, node: ast.AST, depth: int = 0) -> T:
        if depth > 30:
            return T('any')
        if isinstance(node, ast.Constant):
            if node.value is None:
                return T('none')
            if isinstance(node.value, str):  # forward reference
                try:
                    return self.type_of(ast.parse(node.value, mode='eval').body, depth + 1)
                except SyntaxError:
                    return T('other', name=node.value)
            return T('any')
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return _union([self.type_of(node.left, depth + 1), self.type_of(node.right, depth + 1)])
        if isinstance(node, (ast.Name, ast.Attribute)):
            full = _src(node)
            n = full.split('.')[-1]
            if full in ('None', 'NoneType', 'type(None)'):
                return T('none')
            if n in BUILTIN_NAMES or n in ('List', 'Dict', 'Tuple', 'Set', 'FrozenSet'):
                return T(n.lower().replace('frozenset', 'set'))
            if n in ('Any', 'object'):
                return T('any')
            if n in self.aliases and isinstance(node, ast.Name):
                return self.type_of(self.aliases[n], depth + 1)
            if n in self.classes:
                if self.is_enum(n):
                    return T('enum', name=n, values=self.enum_values(n))
                if self.classes[n]['dataclass']:
                    return T('dataclass', name=n)
                return T('other', name=n)
            self.unresolved.add(full)
            return T('other', name=full)
        if isinstance(node, ast.Subscript):
            head = _src(node.value).split('.')[-1]
            sl = node.slice
            items = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
            if head == 'Optional':
                return _union([self.type_of(items[0], depth + 1), T('none')])
            if head == 'Union':
                return _union([self.type_of(i, depth + 1) for i in items])
            if head == 'Literal':
                vals = []
                for i in items:
                    if isinstance(i, ast.Constant):
                        vals.append(i.value)
                    else:  # a nested Literal alias
                        inner = self.type_of(i, depth + 1)
                        vals.extend(inner.values or [])
                return T('literal', values=vals)
            if head in ('Annotated', 'SkipValidation', 'Required', 'NotRequired', 'Final'):
                return self.type_of(items[0], depth + 1)
            if head in ('list', 'List', 'Sequence', 'Iterable'):
                return T('list', [self.type_of(items[0], depth + 1)])
            if head in ('set', 'Set', 'frozenset', 'FrozenSet'):
                return T('set', [self.type_of(items[0], depth + 1)])
            if head in ('tuple', 'Tuple'):
                return T('tuple', [T('ellipsis') if isinstance(i, ast.Constant) and i.value is Ellipsis else self.type_of(i, depth + 1) for i in items])
            if head in ('dict', 'Dict', 'Mapping', 'MutableMapping'):
                return T('dict')
            if head == 'type':
                return T('other', name='type')
            if head == 'Callable':
                return T('other', name='Callable')
            return T('other', name=head)
        return T('any')


def _union(parts: list[T]) -> T:
    flat: list[T] = []
    for p in parts:
        for q in (p.args if p.kind == 'union' else [p]):
            if not any(_same(q, r) for r in flat):
                flat.append(q)
    return flat[0] if len(flat) == 1 else T('union', flat)


def _same(a: T, b: T) -> bool:
    return a.kind == b.kind and a.name == b.name and a.kind not in ('literal', 'list', 'tuple')


def _src(node: ast.AST) -> str:
    return ast.unparse(node)


def _looks_like_type(v: ast.AST) -> bool:
    s = _src(v)
    return bool(re.match(r'^(Literal|Union|Optional|Annotated)\[', s)) or (' | ' in s and not isinstance(v, ast.Constant) and '(' not in s)


def _field_call(value: ast.AST | None) -> tuple[object, bool, dict]:
    """(default, has_default_factory, metadata) of a dataclass field's value."""
    if value is None:
        return MISSING, False, {}
    if isinstance(value, ast.Call) and _src(value.func).split('.')[-1] in ('field', 'HfArg', 'Field'):
        default: object = MISSING
        factory = False
        meta: dict = {}
        for kw in value.keywords:
            if kw.arg == 'default':
                default = _literal(kw.value)
            elif kw.arg == 'default_factory':
                factory = True
            elif kw.arg == 'metadata' and isinstance(kw.value, ast.Dict):
                for k, v in zip(kw.value.keys, kw.value.values):
                    if isinstance(k, ast.Constant) and k.value in ('choices', 'nargs', 'const', 'aliases', 'action', 'required'):
                        lit = _literal(v)
                        meta[k.value] = lit if lit is not UNKNOWN else 'unknown'
        if value.args and default is MISSING:  # pydantic Field(default, ...)
            default = _literal(value.args[0])
        return default, factory, meta
    return _literal(value), False, {}


UNKNOWN = object()


def _literal(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except Exception:
        return UNKNOWN


def _json_default(v: object) -> object:
    if v is MISSING or v is UNKNOWN:
        return None
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    return None


# ------------------------------------------------------------------------------------------------------------------
# HfArgumentParser (TRL's vendored copy) → options
# ------------------------------------------------------------------------------------------------------------------

def hf_options(index: Index, classes: list[str]) -> list[dict]:
    opts: list[dict] = []
    for cls in classes:
        for f in index.dataclass_fields(cls):
            default, factory, meta = _field_call(f['value'])
            if isinstance(f['value'], ast.Call) and any(kw.arg == 'init' and _literal(kw.value) is False for kw in f['value'].keywords):
                continue
            opts.extend(hf_field_options(index, cls, f['name'], index.type_of(f['ann']), default, factory, meta))
    return opts


def hf_field_options(index: Index, cls: str, name: str, t: T, default: object, factory: bool, meta: dict) -> list[dict]:
    flags = [f'--{name}'] + ([f"--{name.replace('_', '-')}"] if '_' in name else [])
    aliases = meta.get('aliases') or []
    if isinstance(aliases, str):
        aliases = [aliases]
    flags += [a for a in aliases if a != 'unknown']
    o: dict = {'flags': flags, 'dest': name, 'from': cls, 'action': 'store', 'nargs': None, 'type': 'str'}
    accepts_none = False
    if t.kind == 'union':
        kinds = [a.kind for a in t.args]
        if 'str' not in kinds and (len(t.args) != 2 or 'none' not in kinds):
            return [{**o, 'error': f'Only `Union[X, NoneType]` is allowed for `Union` (field {name!r}): the parser cannot be built'}]
        if 'none' not in kinds:
            t = t.args[0] if t.args[1].kind == 'str' else t.args[1]
        elif 'bool' not in kinds:
            t = t.args[0] if t.args[1].kind == 'none' else t.args[1]
            accepts_none = t.kind != 'str'
    is_bool_opt = t.kind == 'union' and sorted(a.kind for a in t.args) == ['bool', 'none']
    if t.kind in ('literal', 'enum'):
        o['choices'] = [str(v) for v in (t.values or [])]
        o['type'] = 'choice'
        if default is MISSING and not factory:
            o['required'] = True
    elif t.kind == 'bool' or is_bool_opt:
        o['type'] = 'bool'
        if t.kind == 'bool' or (default is not None and default is not MISSING):
            o['nargs'] = '?'
            o['const'] = True
    elif t.kind == 'list':
        o['nargs'] = '+'
        o['type'] = _scalar(t.args[0] if t.args else T('str'))
        if default is MISSING and not factory:
            o['required'] = True
    else:
        o['type'] = _scalar(t)
        if accepts_none:
            o['acceptsNone'] = True
        if default is MISSING and not factory:
            o['required'] = True
    # metadata goes to add_argument as is (after the type logic, so it wins)
    for k in ('choices', 'nargs', 'const', 'required'):
        if k in meta and meta[k] != 'unknown':
            o[k] = list(map(str, meta[k])) if k == 'choices' else meta[k]
        elif k in meta:
            o.pop('choices', None) if k == 'choices' else None
            o['choicesUnknown'] = True
    o['default'] = _json_default(default)
    out = [o]
    if default is True and (t.kind == 'bool' or is_bool_opt):
        out.append({'flags': [f'--no_{name}', f"--no-{name.replace('_', '-')}"], 'dest': name, 'from': cls, 'action': 'store_false', 'nargs': 0})
    return out


def _scalar(t: T) -> str:
    if t.kind in ('int', 'float', 'str', 'bool'):
        return t.kind
    if t.kind == 'dict':
        return 'dict'  # argparse calls dict("…") → a ValueError for any text: a CLI value never passes as a dict
    if t.kind in ('literal', 'enum'):
        return 'choice'
    return 'any'


def trl_contract(trl: Source, tf: Source) -> dict:
    # the rules above, as read from TRL's vendored HfArgumentParser
    trl.require('scripts/_hf_argparser.py',
                'elif field.type is bool or field.type == bool | None:',
                'if field.type is bool or (field.default is not None and field.default is not dataclasses.MISSING):',
                'kwargs["nargs"] = "?"', 'kwargs["const"] = True',
                'elif isclass(origin_type) and issubclass(origin_type, list):', 'kwargs["nargs"] = "+"',
                'if field.default is True and (field.type is bool or field.type == bool | None):',
                'f"--no_{field.name}"', 'raise ValueError(f"Some specified arguments are not used by the HfArgumentParser: {remaining_args}")')
    trl.require('scripts/utils.py', 'class TrlParser(HfArgumentParser):', 'from trl.scripts._hf_argparser import')
    index = Index()
    files = ['scripts/utils.py', 'trainer/model_config.py', 'trainer/dpo_config.py', 'trainer/sft_config.py']
    if trl.exists('trainer/base_config.py'):
        files.append('trainer/base_config.py')
    for rel in files:
        index.scan(trl.tree(rel))
    for rel in ['training_args.py', 'trainer_utils.py', 'debug_utils.py', 'utils/generic.py']:
        if tf.exists(rel):
            index.scan(tf.tree(rel))
    parsers = {}
    for cmd in ('dpo', 'sft'):
        script = trl.text(f'scripts/{cmd}.py')
        m = re.search(r'dataclass_types = \(([^)]*)\)', script)
        if not m:
            raise ExtractError(f'trl {trl.version}: scripts/{cmd}.py has no `dataclass_types = (...)`')
        classes = [c.strip() for c in m.group(1).split(',') if c.strip()]
        trl.require(f'scripts/{cmd}.py', 'parse_args_and_config(fail_with_unknown_args=False)')
        opts = hf_options(index, classes)
        parsers[cmd] = {'dataclasses': classes, 'allowAbbrev': True, 'options': [{'flags': ['-h', '--help'], 'dest': 'help', 'action': 'help', 'nargs': 0}] + opts}
    # trl/cli: commands and how unknown arguments flow to accelerate launch
    cli = {}
    if trl.exists('cli/commands/__init__.py'):
        cmds = re.findall(r'TrainingCommand\("([a-z_-]+)"\)', trl.text('cli/commands/__init__.py'))
        others = re.findall(r'^\s+(\w+Command)\(\),', trl.text('cli/commands/__init__.py'), re.M)
        trl.require('cli/commands/training.py', 'return_remaining_strings=True, separate_remaining_strings=True',
                    'launch_args = resolve_accelerate_config_argument(config_remaining + cli_remaining)')
        trl.require('cli/main.py', 'ArgumentParser(prog="trl", allow_abbrev=False)')
        cli = {'trainingCommands': cmds, 'otherCommands': others, 'unknownArgsGoTo': 'accelerate launch', 'accelerateConfigFlag': '--accelerate_config'}
    return {'parsers': parsers, 'cli': cli, 'unresolvedTypes': sorted(index.unresolved)}


# ------------------------------------------------------------------------------------------------------------------
# plain argparse add_argument calls (accelerate launch; the explicit ones of vLLM)
# ------------------------------------------------------------------------------------------------------------------

def _kw_value(node: ast.AST) -> object:
    lit = _literal(node)
    if lit is not UNKNOWN:
        return lit
    s = _src(node)
    if s in ('argparse.REMAINDER',):
        return '...'
    if s in ('argparse.SUPPRESS',):
        return None
    if s.endswith('BooleanOptionalAction'):
        return 'boolean_optional'
    return ('expr', s)


def _type_name(v: object) -> str:
    if isinstance(v, tuple) and v and v[0] == 'expr':
        s = v[1]
        if s in ('int', 'float', 'str'):
            return s
        if s in ('human_readable_int',):
            return 'human_int'
        if s in ('human_readable_int_or_auto',):
            return 'human_int_or_auto'
        if 'json.loads' in s:
            return 'json'
        if 'optional_type(int)' in s:
            return 'int'
        if 'optional_type(str)' in s:
            return 'str'
        return 'any'
    return 'str'


def add_argument_option(call: ast.Call, base: dict | None = None) -> dict | None:
    flags = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if not flags:
        return None
    o: dict = dict(base or {'action': 'store', 'nargs': None, 'type': 'str'})
    o['flags'] = flags
    for kw in call.keywords:
        if kw.arg is None:
            continue
        v = _kw_value(kw.value)
        if kw.arg == 'action':
            o['action'] = v if isinstance(v, str) else 'custom'
        elif kw.arg == 'nargs':
            o['nargs'] = v
        elif kw.arg == 'type':
            o['type'] = _type_name(v)
        elif kw.arg == 'choices':
            if isinstance(v, (list, tuple)) and not (v and v[0] == 'expr'):
                o['choices'] = [str(x) for x in v]
            else:
                o.pop('choices', None)
                o['choicesUnknown'] = True
        elif kw.arg == 'dest':
            o['dest'] = v if isinstance(v, str) else None
        elif kw.arg == 'required':
            o['required'] = bool(v) if not isinstance(v, tuple) else False
        elif kw.arg == 'const':
            o['const'] = _json_default(v)
    if not flags[0].startswith('-'):
        o['positional'] = True
        o.setdefault('dest', flags[0])
    long = [f for f in flags if f.startswith('--')]
    o.setdefault('dest', (long or flags)[0].lstrip('-').replace('-', '_'))
    act = o['action']
    if act in ('store_true', 'store_false', 'store_const', 'count', 'help', 'version', 'boolean_optional', 'append_const'):
        o['nargs'] = 0
    if act == 'boolean_optional':
        o['flags'] = flags + ['--no-' + f[2:] for f in flags if f.startswith('--')]
    return o


def accelerate_contract(acc: Source) -> dict:
    tree = acc.tree('commands/launch.py')
    acc.require('commands/launch.py', 'allow_abbrev=False')
    fn = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == 'launch_command_parser'), None)
    if fn is None:
        raise ExtractError('accelerate: launch_command_parser not found')
    opts = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'add_argument':
            o = add_argument_option(node)
            if o:
                opts.append(o)
    return {'launch': {'allowAbbrev': False, 'options': opts}}


# ------------------------------------------------------------------------------------------------------------------
# vLLM: make_arg_parser = explicit add_argument calls + FrontendArgs + EngineArgs, kwargs from the config dataclasses
# ------------------------------------------------------------------------------------------------------------------

def vllm_field_kwargs(index: Index, t: T, name: str) -> dict:
    hints = t.args if t.kind == 'union' else [t]
    kinds = {h.kind for h in hints}
    o: dict = {'action': 'store', 'nargs': None, 'type': 'str'}
    if 'dataclass' in kinds:
        o['type'] = 'json'
    elif kinds == {'bool', 'str', 'none'}:
        o.update(nargs='?', const=True, type='str')
    elif 'bool' in kinds:
        o.update(action='boolean_optional', nargs=0)
    elif 'literal' in kinds:
        lit = next(h for h in hints if h.kind == 'literal')
        vals = sorted(lit.values or [], key=lambda v: (str(type(v)), v))
        o['type'] = {'int': 'int', 'float': 'float', 'bool': 'bool'}.get(type(vals[0]).__name__, 'str') if vals else 'str'
        if 'str' not in kinds:
            o['choices'] = [str(v) for v in vals]
    elif 'tuple' in kinds:
        tup = next(h for h in hints if h.kind == 'tuple')
        ell = any(a.kind == 'ellipsis' for a in tup.args)
        o['nargs'] = '+' if ell or not tup.args else len(tup.args)
        o['type'] = _scalar(tup.args[0]) if tup.args and tup.args[0].kind != 'union' else 'str'
    elif 'list' in kinds or 'set' in kinds:
        lst = next(h for h in hints if h.kind in ('list', 'set'))
        o['nargs'] = '+'
        inner = lst.args[0] if lst.args else T('str')
        o['type'] = 'str' if inner.kind == 'union' else ('choice' if inner.kind == 'literal' else _scalar(inner))
        if inner.kind == 'literal':
            o['choices'] = [str(v) for v in inner.values or []]
    elif 'int' in kinds:
        o['type'] = 'human_int_or_auto' if name == 'max_model_len' else 'human_int' if name in ('max_num_batched_tokens', 'kv_cache_memory_bytes', 'safetensors_prefetch_block_size') else 'int'
    elif 'float' in kinds:
        o['type'] = 'float'
    elif 'dict' in kinds and ('str' in kinds or kinds & {'other', 'enum', 'any'}):
        o['type'] = 'json_or_str'
    elif 'dict' in kinds:
        o['type'] = 'json'
    else:
        o['type'] = 'str'
    if 'none' in kinds and 'bool' not in kinds:
        o['acceptsNone'] = ['', 'None']
        if 'choices' in o:
            o['choices'] = o['choices'] + ['None']
    return o


def vllm_contract(v: Source) -> dict:
    v.require('utils/argparse_utils.py', 'class FlexibleArgumentParser(ArgumentParser):', 'key = pattern.sub(repl, key, count=1)',
              'if args and args[0] == "serve":', 're.match(r"^--model(=.+|$)", arg)')
    v.require('engine/arg_utils.py', 'elif type_hints == {bool, str, type(None)}:', 'kwargs[name]["action"] = argparse.BooleanOptionalAction',
              'if type(None) in type_hints and not contains_type(type_hints, bool):')
    index = Index()
    cfg_dir = v.path('config')
    for p in sorted(cfg_dir.glob('*.py')):
        index.scan(v.tree(f'config/{p.name}'))
    for rel in ['entrypoints/openai/cli_args.py', 'engine/arg_utils.py']:
        index.scan(v.tree(rel))
    for rel in ['entrypoints/openai/models/protocol.py', 'entrypoints/openai/engine/protocol.py']:
        if v.exists(rel):
            index.scan(v.tree(rel))
    tables: dict[str, dict[str, dict]] = {}

    def table_for(cls: str) -> dict[str, dict]:
        out = {}
        for f in index.dataclass_fields(cls):
            out[f['name']] = vllm_field_kwargs(index, index.type_of(f['ann']), f['name'])
        return out

    opts: list[dict] = []

    def resolve_kwargs(node: ast.AST, env: dict) -> dict | None:
        # X["field"]  or  Y
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant):
            tbl = env.get(node.value.id)
            if isinstance(tbl, dict) and tbl.get('__table__'):
                return dict(tbl['rows'][node.slice.value])
        if isinstance(node, ast.Name) and isinstance(env.get(node.id), dict) and not env[node.id].get('__table__'):
            return dict(env[node.id])
        return None

    def apply_set(target: ast.AST, value: ast.AST, env: dict, delete: bool = False) -> None:
        # X["field"]["key"] = v   |   Y["key"] = v
        if not isinstance(target, ast.Subscript) or not isinstance(target.slice, ast.Constant):
            return
        key = target.slice.value
        inner = target.value
        row = None
        if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and isinstance(inner.slice, ast.Constant):
            tbl = env.get(inner.value.id)
            if isinstance(tbl, dict) and tbl.get('__table__'):
                row = tbl['rows'].setdefault(inner.slice.value, {'action': 'store', 'nargs': None, 'type': 'str'})
        elif isinstance(inner, ast.Name) and isinstance(env.get(inner.id), dict) and not env[inner.id].get('__table__'):
            row = env[inner.id]
        if row is None:
            return
        if delete:
            row.pop(key, None)
            if key == 'nargs':
                row['nargs'] = None
            return
        val = _kw_value(value)
        if key == 'type':
            row['type'] = _type_name(val) if isinstance(val, tuple) else 'str'
        elif key == 'action':
            row['action'] = val if isinstance(val, str) else 'custom'
            if row['action'] == 'append':
                row['nargs'] = None
        elif key == 'nargs':
            row['nargs'] = val
        elif key == 'choices':
            if isinstance(val, (list, tuple)) and not (val and val[0] == 'expr'):
                row['choices'] = [str(x) for x in val]
            else:
                row.pop('choices', None)

    def add(call: ast.Call, env: dict) -> None:
        base = None
        for kw in call.keywords:
            if kw.arg is None:
                base = resolve_kwargs(kw.value, env)
        o = add_argument_option(call, base)
        if o:
            opts.append(o)

    def handle(st: ast.stmt, env: dict) -> None:
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            tg, val = st.targets[0], st.value
            if isinstance(tg, ast.Name) and isinstance(val, ast.Call) and _src(val.func).split('.')[-1] == 'get_kwargs':
                a = val.args[0]
                cls = _src(a).split('.')[-1]
                if cls == 'cls':
                    cls = env['__cls__']
                env[tg.id] = {'__table__': True, 'rows': table_for(cls), 'cls': cls}
                return
            if isinstance(tg, ast.Name):
                kw = resolve_kwargs(val, env)
                if kw is not None:
                    env[tg.id] = kw
                    return
            if isinstance(tg, ast.Subscript):
                apply_set(tg, val, env)
                return
        if isinstance(st, ast.Delete):
            for tg in st.targets:
                apply_set(tg, None, env, delete=True)
            return
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            call = st.value
            fname = _src(call.func)
            if fname.endswith('.add_argument'):
                add(call, env)
                return
            if fname.endswith('._customize_cli_kwargs'):
                if not env.get('__in_custom__'):  # the super() call inside is the chain custom() walks itself
                    custom(env['__cls__'], env, call)
                return
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) and _src(st.value.func).endswith('.add_argument'):
            add(st.value, env)
            return
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) and _src(st.value.func).endswith('._customize_cli_kwargs'):
            if not env.get('__in_custom__'):
                custom(env['__cls__'], env, st.value)
            return
        if isinstance(st, ast.For) and isinstance(st.iter, ast.Call) and _src(st.iter.func).endswith('.items'):
            tbl = env.get(_src(st.iter.func.value))
            if isinstance(tbl, dict) and tbl.get('__table__'):
                for name, row in tbl['rows'].items():
                    o = dict(row)
                    o['flags'] = ['--' + name.replace('_', '-')]
                    o['dest'] = name
                    if o.get('action') == 'boolean_optional':
                        o['flags'].append('--no-' + name.replace('_', '-'))
                    opts.append(o)
                return
        for field_name in ('body', 'orelse', 'finalbody'):
            for sub in getattr(st, field_name, []) or []:
                if isinstance(sub, ast.stmt):
                    handle(sub, env)
        if isinstance(st, ast.Try):
            for h in st.handlers:
                for sub in h.body:
                    handle(sub, env)

    def method(cls: str, name: str) -> ast.FunctionDef | None:
        c = index.classes.get(cls)
        if not c:
            return None
        for n in c['node'].body:
            if isinstance(n, ast.FunctionDef) and n.name == name:
                return n
        for b in c['bases']:
            m = method(b.split('.')[-1], name)
            if m:
                return m
        return None

    def custom(cls: str, env: dict, call: ast.Call) -> None:
        """FrontendArgs._customize_cli_kwargs(frontend_kwargs): its base's version first (super()), then its own."""
        chain = []
        c = cls
        while c:
            m = next((n for n in index.classes[c]['node'].body if isinstance(n, ast.FunctionDef) and n.name == '_customize_cli_kwargs'), None)
            if m:
                chain.append(m)
            bases = [b.split('.')[-1] for b in index.classes[c]['bases'] if b.split('.')[-1] in index.classes]
            c = bases[0] if bases else None
        arg_name = _src(call.args[0]) if call.args else None
        for m in reversed(chain):
            param = m.args.args[-1].arg
            local = dict(env)
            local['__in_custom__'] = True
            if arg_name and arg_name in env:
                local[param] = env[arg_name]
            for st in m.body:
                handle(st, local)

    # make_arg_parser: its own add_argument calls, then FrontendArgs.add_cli_args, then AsyncEngineArgs.add_cli_args
    cli = v.tree('entrypoints/openai/cli_args.py')
    mk = next(n for n in cli.body if isinstance(n, ast.FunctionDef) and n.name == 'make_arg_parser')
    order = []
    mk_env: dict = {}
    for st in mk.body:
        handle(st, mk_env)
        s = _src(st)
        m = re.search(r'(\w+)\.add_cli_args\(', s)
        if m:
            order.append(m.group(1))
    for cls in order:
        if cls == 'AsyncEngineArgs':
            for name in ('EngineArgs', 'AsyncEngineArgs'):
                fn = next(n for n in index.classes[name]['node'].body if isinstance(n, ast.FunctionDef) and n.name == 'add_cli_args')
                handle_body = [s for s in fn.body if not (isinstance(s, ast.If) and 'async_args_only' in _src(s.test))]
                env = {'__cls__': name}
                for st in handle_body:
                    handle(st, env)
        else:
            fn = method(cls, 'add_cli_args')
            env = {'__cls__': cls}
            for st in fn.body:
                handle(st, env)
    # `vllm serve` is a subparser of the `vllm` parser: `vllm serve [model_tag] [options]`
    return {'serve': {'allowAbbrev': True, 'options': [{'flags': ['-h', '--help'], 'dest': 'help', 'action': 'help', 'nargs': 0}] + opts},
            'unresolvedTypes': sorted(index.unresolved)}


# ------------------------------------------------------------------------------------------------------------------

def parse_specs(values: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for s in values or []:
        if '=' not in s:
            raise ExtractError(f'expected VERSION=SRC, got {s!r}')
        ver, src = s.split('=', 1)
        out.append((ver, src))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--trl', action='append', required=True)
    ap.add_argument('--transformers', required=True)
    ap.add_argument('--accelerate', required=True)
    ap.add_argument('--vllm', required=True)
    ap.add_argument('--note', action='append', default=[], help='KEY=TEXT, e.g. trl-1.9.0="git tag v1.9.0 (commit …)"')
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    notes = dict(n.split('=', 1) for n in a.note)
    (tf_ver, tf_src), = parse_specs([a.transformers])
    (acc_ver, acc_src), = parse_specs([a.accelerate])
    (v_ver, v_src), = parse_specs([a.vllm])
    tf = Source('transformers', tf_ver, tf_src)
    acc = Source('accelerate', acc_ver, acc_src)
    vl = Source('vllm', v_ver, v_src)
    out: dict = {
        'about': 'Generated by remote/backends/argv-contract/extract.py from the sources named in "sources" (see README.md there). Do not edit by hand.',
        'sources': {},
        'trl': {},
        'accelerate': {'version': acc_ver, **accelerate_contract(acc)},
        'vllm': {'version': v_ver, **vllm_contract(vl)},
        'modules': {},
    }
    for ver, src in parse_specs(a.trl):
        trl = Source('trl', ver, src)
        out['trl'][ver] = {'transformers': tf_ver, **trl_contract(trl, tf)}
        out['modules'][f'trl {ver}'] = {m: trl.runnable_module(m) for m in ('trl.scripts.dpo', 'trl.scripts.sft', 'trl.cli', 'trl')}
        out['sources'][f'trl {ver}'] = {'note': notes.get(f'trl-{ver}', ''), 'files': trl.read}
    out['modules'][f'accelerate {acc_ver}'] = {m: acc.runnable_module(m) for m in ('accelerate.commands.launch', 'accelerate')}
    out['modules'][f'vllm {v_ver}'] = {m: vl.runnable_module(m) for m in ('vllm.entrypoints.openai.api_server', 'vllm')}
    out['sources'][f'transformers {tf_ver}'] = {'note': notes.get(f'transformers-{tf_ver}', ''), 'files': tf.read}
    out['sources'][f'accelerate {acc_ver}'] = {'note': notes.get(f'accelerate-{acc_ver}', ''), 'files': acc.read}
    out['sources'][f'vllm {v_ver}'] = {'note': notes.get(f'vllm-{v_ver}', ''), 'files': vl.read}
    Path(a.out).write_text(json.dumps(out, indent=1, sort_keys=False) + '\n')
    n = sum(len(p['options']) for t in out['trl'].values() for p in t['parsers'].values())
    print(f"wrote {a.out}: trl {', '.join(out['trl'])} ({n} options over dpo/sft), accelerate launch "
          f"({len(out['accelerate']['launch']['options'])}), vllm serve ({len(out['vllm']['serve']['options'])})")
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except ExtractError as e:
        print(f'extract.py: {e}', file=sys.stderr)
        sys.exit(1)
