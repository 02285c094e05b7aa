import { InMemoryTemplateRepository } from '../../src';
import { describeTemplateRepositoryContract } from '../template-repository.contract';

describeTemplateRepositoryContract('InMemoryTemplateRepository', async () => new InMemoryTemplateRepository());
