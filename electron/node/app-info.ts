// app.info for Node hosts: package, runtime and library versions, and the active backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AppInfo } from '../shared/schemas';
import { appRoot } from './paths';

export function readAppVersion(root = appRoot()): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export function nodeAppInfo(mode: AppInfo['mode'], backend: AppInfo['backend']): AppInfo {
  const versions: Record<string, string> = { node: process.versions.node, v8: process.versions.v8, tfjs: tf.version.tfjs };
  const electronVersions = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
  if (electronVersions.electron) versions.electron = electronVersions.electron;
  if (electronVersions.chrome) versions.chrome = electronVersions.chrome;
  return { appVersion: readAppVersion(), mode, backend, platform: `${process.platform}-${process.arch}`, versions };
}
