import { Module } from '@nestjs/common';
import { OpsServer } from './ops-server.service';

/** The operations port of every role (metrics, detailed health): `OpsServer`. */
@Module({ providers: [OpsServer], exports: [OpsServer] })
export class OpsModule {}
