// A Stryker ignore plugin: mutants in strings that are only human-readable messages are
// "Ignored" (not run, not counted in the score). Error codes, field names and every other string
// stay mutated. The rules, listed in docs/testing.md:
//  1. the arguments of `super(...)` in a class that extends Error, DomainError or InvalidValue
//     (the Error's message);
//  2. the third argument of `new InvalidValue(code, field, message)`;
//  3. an argument of a call to a function of the same file whose parameter at that position is
//     named `message` (helpers such as `invalid(message)` that wrap rule 2), and the default value
//     of a parameter named `message`;
//  4. the `message` of a field issue: an object literal `{ field, message }`;
//  5. the arguments of a log call, `this.logger.<level>(...)` or `logger.<level>(...)` (Nest's
//     Logger; the levels log, warn, error, debug, verbose, fatal).
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const ERROR_BASES = new Set(['Error', 'DomainError', 'InvalidValue']);

function enclosingClass(path) {
  return path.findParent((p) => p.isClassDeclaration() || p.isClassExpression());
}

function isErrorSuperArgument(path) {
  const call = path.parentPath;
  if (!call?.isCallExpression() || call.node.callee.type !== 'Super' || !call.node.arguments.includes(path.node)) return false;
  const cls = enclosingClass(call);
  const base = cls?.node.superClass;
  return base?.type === 'Identifier' && ERROR_BASES.has(base.name);
}

function isInvalidValueMessage(path) {
  const call = path.parentPath;
  return (
    !!call?.isNewExpression() &&
    call.node.callee.type === 'Identifier' &&
    call.node.callee.name === 'InvalidValue' &&
    call.node.arguments[2] === path.node
  );
}

function isMessageParameterArgument(path) {
  const call = path.parentPath;
  if (!call?.isCallExpression() || call.node.callee.type !== 'Identifier') return false;
  const index = call.node.arguments.indexOf(path.node);
  if (index < 0) return false;
  const binding = call.scope.getBinding(call.node.callee.name);
  const fn = binding?.path;
  if (!fn?.isFunctionDeclaration()) return false;
  const param = fn.node.params[index];
  return param?.type === 'Identifier' && param.name === 'message';
}

function isMessageDefault(path) {
  const assignment = path.parentPath;
  return !!assignment?.isAssignmentPattern() && assignment.node.right === path.node && assignment.node.left.type === 'Identifier' && assignment.node.left.name === 'message';
}

function isFieldIssueMessage(path) {
  const prop = path.parentPath;
  if (!prop?.isObjectProperty() || prop.node.value !== path.node) return false;
  if (prop.node.key.type !== 'Identifier' || prop.node.key.name !== 'message') return false;
  const keys = prop.parentPath.node.properties.map((p) => (p.type === 'ObjectProperty' && p.key.type === 'Identifier' ? p.key.name : null));
  return keys.includes('field');
}

const LOG_LEVELS = new Set(['log', 'warn', 'error', 'debug', 'verbose', 'fatal']);

function isLogArgument(path) {
  const call = path.parentPath;
  if (!call?.isCallExpression() || !call.node.arguments.includes(path.node)) return false;
  const callee = call.node.callee;
  if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !LOG_LEVELS.has(callee.property.name)) return false;
  const target = callee.object;
  if (target.type === 'Identifier') return target.name === 'logger';
  return target.type === 'MemberExpression' && target.object.type === 'ThisExpression' && target.property.type === 'Identifier' && target.property.name === 'logger';
}

const ignorer = {
  shouldIgnore(path) {
    if (!path.isExpression()) return undefined;
    if (isErrorSuperArgument(path)) return 'error message (super argument of an Error class)';
    if (isInvalidValueMessage(path)) return 'error message (InvalidValue message argument)';
    if (isMessageParameterArgument(path)) return 'error message (argument of a `message` parameter)';
    if (isMessageDefault(path)) return 'error message (default of a `message` parameter)';
    if (isFieldIssueMessage(path)) return 'error message (field issue message)';
    if (isLogArgument(path)) return 'log message';
    return undefined;
  },
};

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'message-strings', ignorer)];
