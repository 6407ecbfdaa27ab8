import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, Length } from 'class-validator';

/** The most subjects a mentor may have. */
export const MAX_SUBJECTS = 50;

/** PUT /users/me/subjects, and its answer. */
export class SubjectsDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_SUBJECTS,
    example: ['fractions', 'linear algebra'],
    description: 'Compared with help requests’ topics trimmed, in lower case, with single spaces; stored so, without repeats',
  })
  @IsArray()
  @ArrayMaxSize(MAX_SUBJECTS)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  subjects: string[];
}
