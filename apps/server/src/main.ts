import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { x } from '@ln/domain';
@Module({})
class M {}
async function main() { const app = await NestFactory.createApplicationContext(M); console.log('ok', x); await app.close(); }
void main();
