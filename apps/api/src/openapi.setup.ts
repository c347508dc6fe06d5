import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PROBLEM_SCHEMA, problemResponse } from './http/openapi';

/**
 * What the edge answers before a handler runs (ADR 21), documented once here rather than on each
 * operation: a body that is not JSON is 415 on any operation that could carry one (those without a
 * documented body included), a body over the limit 413 where one is taken.
 */
function documentBodyRefusals(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      operation.responses['415'] ??= problemResponse(415) as never;
      if (operation.requestBody) operation.responses['413'] ??= problemResponse(413) as never;
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Life Navigation API')
    .setDescription(
      'A TODO service that learns why each user fails tasks and re-plans them. ' +
        'Errors are RFC 9457 application/problem+json with a stable `code`. Bodies are JSON only (`application/json` or ' +
        '`application/*+json`; anything else is 415 `unsupported_media_type`); a path asked with a method it does not serve is ' +
        '405 `method_not_allowed` with `Allow`. Every answer is `Cache-Control: no-store`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = document.components ?? {};
  document.components.schemas = { ...(document.components.schemas ?? {}), Problem: PROBLEM_SCHEMA as never };
  documentBodyRefusals(document);
  return document;
}

export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return document;
}
