// Validation at the edge, checked on the routes themselves: every body, query and path parameter
// of every controller the api serves has a schema and runs through the validation pipe. There is no
// global pipe (it cost CPU on every parameter of every request; see apps/api/src/http/validation.ts),
// so a parameter declared without `validated(...)` would reach a handler unchecked: this fails first.
import 'reflect-metadata';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ApiModule } from '../../apps/api/src/api.module';
import { EDGE_VALIDATION } from '../../apps/api/src/http/validation';

interface RouteArg {
  readonly index: number;
  readonly data?: unknown;
  readonly pipes?: readonly unknown[];
  readonly schema?: unknown;
}

const INPUTS = new Map<number, string>([
  [RouteParamtypes.BODY, 'body'],
  [RouteParamtypes.QUERY, 'query'],
  [RouteParamtypes.PARAM, 'param'],
]);

/** Every request input of every route: `Controller.method` and what each input is declared with. */
function routeInputs(controllers: readonly (new (...args: never[]) => object)[]) {
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype)
      .filter((method) => method !== 'constructor')
      .flatMap((method) => {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, RouteArg>;
        return Object.entries(args)
          .map(([key, arg]) => ({ kind: INPUTS.get(Number(key.split(':')[0])), arg }))
          .filter((input): input is { kind: string; arg: RouteArg } => input.kind !== undefined)
          .map(({ kind, arg }) => ({ route: `${controller.name}.${method}`, kind, arg }));
      }),
  );
}

/** The inputs that reach a handler unchecked. */
function unchecked(inputs: ReturnType<typeof routeInputs>): string[] {
  return inputs.filter(({ arg }) => !arg.schema || !arg.pipes?.includes(EDGE_VALIDATION)).map((i) => `${i.route} ${i.kind} #${i.arg.index}`);
}

describe('request inputs are validated at the edge', () => {
  const controllers = Reflect.getMetadata('controllers', ApiModule) as (new (...args: never[]) => object)[];
  const inputs = routeInputs(controllers);

  it('finds the routes (the check reads what it is meant to read)', () => {
    expect(controllers.length).toBeGreaterThanOrEqual(4);
    expect(inputs.map((i) => `${i.route} ${i.kind}`)).toEqual(expect.arrayContaining(['TasksController.create body', 'TasksController.list query', 'TasksController.get param']));
  });

  it('every body, query and path parameter has a schema and the validation pipe', () => {
    expect(unchecked(inputs)).toEqual([]);
  });

  it('would catch a parameter declared without validated(...), or with a schema and no pipe', () => {
    class Careless {
      create(_body: unknown, _id: string) {}
    }
    Reflect.defineMetadata(
      ROUTE_ARGS_METADATA,
      { [`${RouteParamtypes.BODY}:0`]: { index: 0, pipes: [] }, [`${RouteParamtypes.PARAM}:1`]: { index: 1, data: 'id', schema: {}, pipes: [] } },
      Careless,
      'create',
    );
    expect(unchecked(routeInputs([Careless]))).toEqual(['Careless.create body #0', 'Careless.create param #1']);
  });
});
