/**
 * The templates a new library starts with: the site prompts of seed 000 and seed 001's example.
 * They are ordinary templates once seeded (editable, versioned, deletable); a deleted one is not
 * seeded again. The site prompts take the same arguments as the site provider's prompts of the same
 * names, which win in the MCP catalog while the site provider is on (see prompts-provider.ts).
 */
import type { PromptTemplateInput } from './prompt-library.js';

export const BUILTIN_TEMPLATES: readonly PromptTemplateInput[] = Object.freeze([
  {
    name: 'analyze_seo',
    title: 'Analyze SEO',
    description: 'Analyze the application for SEO improvements',
    category: 'site',
    tags: ['seo', 'site'],
    arguments: [{ name: 'template_name', description: 'One template to audit (e.g. "about.html"); omit to audit every page.', required: false }],
    body:
      '{% if template_name %}Analyze the template "{{ template_name }}" for SEO improvements.{% else %}Analyze the application for SEO improvements. Check all templates,{% endif %}' +
      ' look for missing meta tags, and suggest improvements.',
  },
  {
    name: 'generate_sitemap',
    title: 'Generate sitemap',
    description: 'Generate a sitemap.xml file',
    category: 'site',
    tags: ['seo', 'site', 'sitemap'],
    arguments: [{ name: 'base_url', description: 'Base URL of the website', required: true }],
    body: 'Generate a sitemap.xml file with base URL: {{ base_url }}. Include all public pages and appropriate metadata.',
  },
  {
    name: 'optimize_images',
    title: 'Optimize images',
    description: 'Suggest image optimization strategies',
    category: 'site',
    tags: ['images', 'performance', 'site'],
    arguments: [{ name: 'path', description: 'Only images under this directory of the static root (e.g. "images").', required: false }],
    body: 'Analyze all images in the static directory{% if path %} under "{{ path }}"{% endif %} and suggest optimization strategies for better web performance.',
  },
  {
    name: 'business_logic_implementation',
    title: 'Business logic implementation',
    description: 'Standard template for implementing business logic',
    category: 'development',
    tags: ['code', 'business-logic'],
    arguments: [
      { name: 'business_domain', description: 'The business domain, e.g. ecommerce', required: true },
      { name: 'requirements', description: 'What the implementation must do', required: true },
      { name: 'language', description: 'Programming language', required: false, default: 'TypeScript' },
    ],
    body: [
      'Implement business logic for the {{ business_domain }} domain in {{ language }}.',
      '',
      'Requirements:',
      '{{ requirements }}',
      '',
      'Model the domain entities and their invariants explicitly, validate every input at the boundary,',
      'keep side effects (storage, network) behind interfaces, and include unit tests for the rules.',
    ].join('\n'),
  },
]);
